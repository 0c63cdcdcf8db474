-- The live features at start-up: incidents still on the live layer (open, or closed and not yet
-- expired by housekeeping, which sends their delete) and every camera.
SELECT 'incidents' AS "layer!", f.id AS "id!", f.feature AS "feature!",
       ST_X(f.geom) AS "lon!", ST_Y(f.geom) AS "lat!"
  FROM incident_features f JOIN incidents i ON i.id = f.id
 WHERE i.on_live_layer
UNION ALL
SELECT 'cameras', id, feature, ST_X(geom), ST_Y(geom)
  FROM camera_features
