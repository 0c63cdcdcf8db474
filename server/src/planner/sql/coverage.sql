-- Schools, clinics and hospitals in the area with no camera within $2 metres, farthest first,
-- and how many such places the area has. $1 area GeoJSON.
WITH area AS NOT MATERIALIZED (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g),
p AS (SELECT p.* FROM places p, area
       WHERE p.category IN ('school', 'clinic', 'hospital') AND ST_Intersects(p.geom, area.g))
SELECT json_build_object(
  'places', (SELECT count(*) FROM p),
  'uncovered', (SELECT coalesce(json_agg(json_build_object('id', p.id, 'category', p.category, 'name_vi', p.name_vi,
                                                            'name_en', p.name_en, 'nearest_camera_m', round(n.d::numeric))
                                         ORDER BY n.d DESC NULLS FIRST, p.id), '[]')
                  FROM p LEFT JOIN LATERAL (
                       SELECT ST_Distance(p.geom::geography, c.geom::geography) AS d
                         FROM cameras c ORDER BY c.geom <-> p.geom LIMIT 1) n ON true
                 WHERE NOT EXISTS (SELECT 1 FROM cameras c
                                    WHERE ST_DWithin(c.geom::geography, p.geom::geography, $2))))::text AS "coverage!"
