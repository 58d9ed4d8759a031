-- Speaking speed of a project's narration, and the default of a series' projects that name
-- none: 1.0 is the voice's own pace, 0.8 a fifth slower (about 25 % longer), 1.25 faster.
-- NULL: not chosen (1.0). Each voice provider applies it natively. double precision, not
-- real: a float4 would read 0.8 back as 0.800000011920929 and name the voice so.
ALTER TABLE projects
    ADD COLUMN speed double precision CHECK (speed BETWEEN 0.7 AND 1.5);
ALTER TABLE series
    ADD COLUMN speed double precision CHECK (speed BETWEEN 0.7 AND 1.5);
