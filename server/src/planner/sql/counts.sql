-- How many cameras, recorders, schools, clinics (with hospitals) and tourism places lie in the area.
-- $1: the area as GeoJSON. (Incidents are counted with their breakdown, in one pass.)
WITH area AS NOT MATERIALIZED (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g)
SELECT (SELECT count(*) FROM cameras c, area WHERE ST_Intersects(c.geom, area.g)) AS "cameras!",
       (SELECT count(*) FROM recorders r, area WHERE ST_Intersects(r.geom, area.g)) AS "recorders!",
       count(*) FILTER (WHERE p.category = 'school') AS "schools!",
       count(*) FILTER (WHERE p.category IN ('clinic', 'hospital')) AS "clinics!",
       count(*) FILTER (WHERE p.category = 'tourism') AS "tourism!"
  FROM area LEFT JOIN places p ON ST_Intersects(p.geom, area.g)
