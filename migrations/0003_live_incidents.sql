-- Real time: the incident lifecycle with its case history, response units, and the persisted live
-- event log whose seq is global and gap-free.

ALTER TABLE incidents
    ADD CONSTRAINT incidents_kind_check CHECK (kind IN ('fire', 'smoke_alarm', 'traffic_accident', 'congestion',
        'flooding', 'crowd', 'security', 'illegal_construction', 'broken_street_light', 'medical_emergency', 'other')),
    ADD CONSTRAINT incidents_status_check CHECK (status IN ('new', 'acknowledged', 'dispatched', 'resolved', 'dismissed'));

-- Teams an incident is dispatched to (seeded from data/district1/response_units.geojson).
CREATE TABLE response_units (
    id         text PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('police', 'urban_order', 'fire', 'ambulance')),
    name_vi    text NOT NULL,
    name_en    text NOT NULL,
    ward_code  text REFERENCES admin_areas (code),
    geom       geometry(Point, 4326)
);

ALTER TABLE incidents
    ADD COLUMN unit_id text REFERENCES response_units (id),
    ADD COLUMN reported_by bigint REFERENCES users (id);
CREATE INDEX incidents_status_idx ON incidents (status, updated_at);

-- Each step of an incident: who, when, from which status to which, the unit, a comment. Kept for good.
CREATE TABLE incident_history (
    id           bigserial PRIMARY KEY,
    incident_id  text NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    user_id      bigint REFERENCES users (id),
    username     text NOT NULL,
    from_status  text,
    to_status    text NOT NULL,
    unit_id      text REFERENCES response_units (id),
    comment      text NOT NULL DEFAULT ''
);
CREATE INDEX incident_history_incident_idx ON incident_history (incident_id, at);

-- One counter row: taking the next seq locks it until the transaction ends, so seqs are gap-free
-- (a rolled-back transaction gives its number back) and commit in seq order.
CREATE TABLE live_seq (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    value bigint NOT NULL
);
INSERT INTO live_seq (value) VALUES (0);

-- Every committed change of a live feature, so a client resumes with `since` even across restarts.
-- Trimmed by age (IOC_LIVE_RETENTION_DAYS, default 7); case histories are not trimmed.
CREATE TABLE live_events (
    seq         bigint PRIMARY KEY,
    layer       text NOT NULL,
    op          text NOT NULL CHECK (op IN ('upsert', 'delete')),
    feature_id  text NOT NULL,
    feature     jsonb,
    lon         double precision,
    lat         double precision,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX live_events_at_idx ON live_events (at);

-- An incident as the GeoJSON Feature the API answers and /ws sends: one definition for both.
CREATE VIEW incident_features AS
SELECT i.id, i.geom, i.closed_at,
       jsonb_build_object('type', 'Feature', 'id', i.id,
         'geometry', ST_AsGeoJSON(i.geom, 6)::jsonb,
         'properties', jsonb_build_object('id', i.id, 'kind', i.kind, 'severity', i.severity, 'status', i.status,
                                          'description', i.description, 'ward_code', i.ward_code, 'unit', i.unit_id,
                                          'unit_name_vi', u.name_vi, 'unit_name_en', u.name_en,
                                          'reported_at', i.reported_at, 'updated_at', i.updated_at,
                                          'closed_at', i.closed_at)) AS feature
  FROM incidents i LEFT JOIN response_units u ON u.id = i.unit_id;
