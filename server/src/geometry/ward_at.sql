-- The ward containing the point ($1 lon, $2 lat), NULL on a gap between wards; no row at all when
-- the point lies outside the district ($3).
SELECT (SELECT w.code FROM admin_areas w WHERE w.level = 'ward' AND ST_Intersects(w.geom, p.g) LIMIT 1)
  FROM admin_areas d, (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g) p
 WHERE d.code = $3 AND ST_Intersects(d.geom, p.g)
