-- A project's language (BCP 47, e.g. ja, pt-BR): given when it was made, else guessed from its
-- script or topic; NULL for projects from before this. warnings: what its plan does not do as
-- asked (a length off the target, clips merged or split), a JSON array of strings, for the user.
ALTER TABLE projects
    ADD COLUMN language text,
    ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]';
