-- The look a project was made with: its preset's style and prompt addition, copied when the
-- project is created, so changing the preset later leaves projects already made as they were.
-- NULL (projects made before this): the clip worker reads the preset as it is now.
ALTER TABLE projects
    ADD COLUMN preset_style jsonb,
    ADD COLUMN preset_prompt_addition text,
    ADD CONSTRAINT projects_preset_snapshot_whole
        CHECK ((preset_style IS NULL) = (preset_prompt_addition IS NULL));
