-- The ward of today containing the point ($1 lon, $2 lat), NULL on a gap between wards; no row at all
-- when the point lies outside the district ($3).
SELECT ward_code_at(p.g, district_today())
  FROM admin_areas d, (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g) p
 WHERE d.code = $3 AND d.level = 'district' AND ST_Intersects(d.geom, p.g)
