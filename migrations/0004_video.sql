-- Live video: one place that says what a camera looks like to operators (the live layer, the status
-- changes of the video module, the admin API), and the audit list of who watched which camera when.

-- A camera as a GeoJSON Feature for staff. stream_url is deliberately absent: it may carry credentials.
CREATE VIEW camera_features AS
SELECT c.id, c.geom,
       jsonb_build_object('type', 'Feature', 'id', c.id, 'geometry', ST_AsGeoJSON(c.geom, 6)::jsonb,
                          'properties', jsonb_build_object('id', c.id, 'name_vi', c.name_vi, 'name_en', c.name_en,
                                                           'kind', c.kind, 'status', c.status,
                                                           'status_at', c.status_at, 'recorder', c.recorder_id,
                                                           'ward_code', c.ward_code)) AS feature
  FROM cameras c;

-- One row per viewing session (a WHEP session). Kept for good, like incidents' case histories; the
-- camera id is plain text so that removing a camera keeps who watched it.
CREATE TABLE camera_views (
    id          bigserial PRIMARY KEY,
    session_id  text NOT NULL UNIQUE,
    camera_id   text NOT NULL,
    user_id     bigint,
    username    text NOT NULL,
    remote_addr text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    end_reason  text
);
CREATE INDEX camera_views_started_idx ON camera_views (started_at DESC);
CREATE INDEX camera_views_camera_idx ON camera_views (camera_id, started_at DESC);
