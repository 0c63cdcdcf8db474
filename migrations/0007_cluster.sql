-- Issue #11, several nodes. Each node says every few seconds that the viewing sessions it holds are
-- still open (seen_at), so any node can count a user's open sessions across the cluster (the
-- per-user video cap holds for the cluster, not per node) and leave out the rows of a node that died
-- without closing them (they are closed when that node starts again).
ALTER TABLE camera_views ADD COLUMN seen_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX camera_views_open_user_idx ON camera_views (user_id) WHERE ended_at IS NULL;
