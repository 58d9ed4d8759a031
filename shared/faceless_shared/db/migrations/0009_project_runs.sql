-- A project's runs: a retry (failed or cancelled → back to work) starts a new run, whose
-- outcome gets its own webhook delivery.
ALTER TABLE projects ADD COLUMN run integer NOT NULL DEFAULT 1 CHECK (run >= 1);

ALTER TABLE webhook_deliveries ADD COLUMN run integer NOT NULL DEFAULT 1 CHECK (run >= 1);
-- the triggering stream event may arrive more than once: one delivery per run all the same
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_project_id_event_key;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_project_id_event_run_key
    UNIQUE (project_id, event, run);

-- A project retried before runs were counted has a delivery its present status contradicts:
-- that delivery belongs to an earlier run (1), so the project is now in run 2, as is the
-- delivery of its present outcome if it has one.
UPDATE projects p SET run = 2
WHERE EXISTS (SELECT 1 FROM webhook_deliveries d
              WHERE d.project_id = p.id AND d.event <> 'project.' || p.status);
UPDATE webhook_deliveries d SET run = 2
FROM projects p
WHERE d.project_id = p.id AND p.run = 2 AND d.event = 'project.' || p.status;
