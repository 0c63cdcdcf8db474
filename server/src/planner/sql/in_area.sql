-- Ids of what lies inside the area, by layer. $1: the area as GeoJSON (lon/lat); $2, $3: the incidents'
-- time range [from, to). Lean on purpose (no properties): counting and paging read only ids; the
-- caller appends a SELECT over `f`. {incidents} as in incident_stats.sql.
WITH area AS NOT MATERIALIZED (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g),
f AS (
    SELECT 'cameras'::text AS layer, c.id FROM cameras c, area WHERE ST_Intersects(c.geom, area.g)
    UNION ALL
    SELECT 'recorders', r.id FROM recorders r, area WHERE ST_Intersects(r.geom, area.g)
    UNION ALL
    SELECT CASE p.category WHEN 'school' THEN 'schools' WHEN 'tourism' THEN 'tourism' ELSE 'clinics' END, p.id
      FROM places p, area
     WHERE p.category IN ('school', 'clinic', 'hospital', 'tourism') AND ST_Intersects(p.geom, area.g)
    UNION ALL
    SELECT 'incidents', i.id FROM {incidents} i, area
     WHERE i.reported_at >= $2 AND i.reported_at < $3 AND ST_Intersects(i.geom, area.g)
)
