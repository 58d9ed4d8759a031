-- A series' language (BCP 47, e.g. ja, pt-BR): the default of the projects made in it that
-- name none, taken before their language is guessed from their script or topic. NULL: none.
ALTER TABLE series ADD COLUMN language text;
