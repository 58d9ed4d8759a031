-- The final render's lease, like a clip's: one renderer owns it for a bounded time, renewed by
-- the final's heartbeat. A live one is never reopened; a renderer that loses it stops.
ALTER TABLE projects ADD COLUMN final_owner text;
ALTER TABLE projects ADD COLUMN final_lease_expires_at timestamptz;
