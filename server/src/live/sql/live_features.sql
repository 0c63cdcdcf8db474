-- The live features at start-up: incidents still on the live layer (open, or closed less than $1
-- seconds ago) and every camera.
SELECT 'incidents', id, feature, ST_X(geom), ST_Y(geom)
  FROM incident_features
 WHERE closed_at IS NULL OR closed_at > now() - make_interval(secs => $1)
UNION ALL
SELECT 'cameras', id, feature, ST_X(geom), ST_Y(geom)
  FROM camera_features
