-- The live features at start-up: incidents still on the live layer (open, or closed less than $1
-- seconds ago) and every camera.
SELECT 'incidents', id, feature, ST_X(geom), ST_Y(geom)
  FROM incident_features
 WHERE closed_at IS NULL OR closed_at > now() - make_interval(secs => $1)
UNION ALL
SELECT 'cameras', c.id,
       jsonb_build_object('type', 'Feature', 'id', c.id, 'geometry', ST_AsGeoJSON(c.geom, 6)::jsonb,
                          'properties', jsonb_build_object('id', c.id, 'name_vi', c.name_vi, 'name_en', c.name_en,
                                                           'kind', c.kind, 'status', c.status, 'ward_code', c.ward_code)),
       ST_X(c.geom), ST_Y(c.geom)
  FROM cameras c
