-- The planning lease: the planner planning a project holds it for a bounded time and renews it
-- while its plan call runs. Another delivery of the same ProjectCreated backs off while it is
-- live and may take it once it has expired (its planner died); the plan and its clips are
-- recorded only by the lease's owner, in one transaction. It sits on the project (not the plan
-- job) because the guarded status move it protects (planning -> rendering_clips) is the
-- project's, and the reconciler reads it with the project.
ALTER TABLE projects ADD COLUMN plan_lease_owner text;
ALTER TABLE projects ADD COLUMN plan_lease_expires_at timestamptz;
