-- Issue #11, files any node can read. A planner's saved export is a file in the file store
-- (`files`: a local directory, or an S3-compatible bucket for a cluster) and this row, which says
-- what it holds and until when. The file is written before the row and deleted after it, so a row
-- always has its file; a file a crash left without a row is swept away later (planner::saved).
CREATE TABLE saved_exports (
    id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    format text NOT NULL CHECK (format IN ('geojson', 'csv')),
    -- the file's key in the file store
    file_key text NOT NULL UNIQUE,
    -- the area as it was when saved: its kind, a ward's code and names (copied, since ward names
    -- and boundaries change), and the request itself, to run it again
    area_kind text NOT NULL CHECK (area_kind IN ('ward', 'polygon', 'circle')),
    ward text,
    name_vi text,
    name_en text,
    query jsonb NOT NULL,
    features integer NOT NULL CHECK (features >= 0),
    bytes bigint NOT NULL CHECK (bytes >= 0),
    saved_by bigint REFERENCES users (id) ON DELETE SET NULL,
    saved_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX saved_exports_saved_at_idx ON saved_exports (saved_at DESC);
CREATE INDEX saved_exports_expires_at_idx ON saved_exports (expires_at);
