-- Boundaries with dates (issue #13). On 1 July 2025 District 1's ten wards became four, and two of the
-- new wards kept the codes of old ones: a ward is now a code *and* a validity period, and which ward a
-- camera, a place or an incident lies in depends on the date asked. It is computed from geometry
-- (`ward_code_at`), never stored with the row, so a boundary change needs no rewrite of other tables.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The stored ward codes go: the views that named them are rebuilt below with the computed ward.
DROP VIEW incident_features;
DROP VIEW camera_features;
ALTER TABLE recorders DROP COLUMN ward_code;
ALTER TABLE cameras DROP COLUMN ward_code;
ALTER TABLE places DROP COLUMN ward_code;
ALTER TABLE incidents DROP COLUMN ward_code;
-- A response unit's ward is the one it serves (units have no position to compute it from); it stays,
-- without a reference, and a unit of a ward that no longer exists is retired rather than deleted
-- (incidents keep naming it).
ALTER TABLE response_units DROP CONSTRAINT response_units_ward_code_fkey;
ALTER TABLE response_units ADD COLUMN retired_on date;

-- A code names one area at a time: the row is (code, valid_from), valid_to is exclusive, and two
-- periods of one code never overlap.
ALTER TABLE admin_areas DROP CONSTRAINT admin_areas_parent_code_fkey;
ALTER TABLE admin_areas DROP CONSTRAINT admin_areas_pkey;
ALTER TABLE admin_areas ADD PRIMARY KEY (code, valid_from);
ALTER TABLE admin_areas ADD CONSTRAINT admin_areas_validity CHECK (valid_to IS NULL OR valid_to > valid_from);
ALTER TABLE admin_areas ADD CONSTRAINT admin_areas_one_period_at_a_time
    EXCLUDE USING gist (code WITH =, daterange(valid_from, valid_to) WITH &&);

-- "Today" is the district's day (Asia/Ho_Chi_Minh), whatever the server's time zone: the 2025 wards
-- began at midnight local time.
CREATE FUNCTION district_today() RETURNS date
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date $$;

-- The code of the ward that holds `g` on day `d`: NULL outside every ward valid then. A point on a
-- border between two wards gets the lower code, so the answer never depends on the plan.
CREATE FUNCTION ward_code_at(g geometry, d date) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT code FROM admin_areas
         WHERE level = 'ward' AND valid_from <= d AND (valid_to IS NULL OR d < valid_to)
           AND ST_Intersects(geom, g)
         ORDER BY code LIMIT 1
    $$;

-- The two feature views as before, with today's ward.
CREATE VIEW incident_features AS
SELECT i.id, i.geom, i.closed_at,
       jsonb_build_object('type', 'Feature', 'id', i.id,
         'geometry', ST_AsGeoJSON(i.geom, 6)::jsonb,
         'properties', jsonb_build_object('id', i.id, 'kind', i.kind, 'severity', i.severity, 'status', i.status,
                                          'description', i.description,
                                          'ward_code', ward_code_at(i.geom, district_today()), 'unit', i.unit_id,
                                          'unit_name_vi', u.name_vi, 'unit_name_en', u.name_en,
                                          'reported_at', i.reported_at, 'updated_at', i.updated_at,
                                          'closed_at', i.closed_at)) AS feature
  FROM incidents i LEFT JOIN response_units u ON u.id = i.unit_id;

CREATE VIEW camera_features AS
SELECT c.id, c.geom,
       jsonb_build_object('type', 'Feature', 'id', c.id, 'geometry', ST_AsGeoJSON(c.geom, 6)::jsonb,
                          'properties', jsonb_build_object('id', c.id, 'name_vi', c.name_vi, 'name_en', c.name_en,
                                                           'kind', c.kind, 'status', c.status,
                                                           'status_at', c.status_at, 'recorder', c.recorder_id,
                                                           'ward_code', ward_code_at(c.geom, district_today()))) AS feature
  FROM cameras c;
