-- What lies inside the area. $1: the area as GeoJSON (lon/lat); $2, $3: incidents' time range [from, to).
-- Planners see camera positions, never stream URLs. Appended by the caller: a SELECT over `f`.
WITH area AS MATERIALIZED (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g),
f AS (
    SELECT 'cameras'::text AS layer, c.id, c.geom,
           jsonb_build_object('name_vi', c.name_vi, 'name_en', c.name_en, 'kind', c.kind,
                              'status', c.status, 'ward_code', c.ward_code) AS props
      FROM cameras c, area WHERE ST_Intersects(c.geom, area.g)
    UNION ALL
    SELECT 'recorders', r.id, r.geom,
           jsonb_build_object('name_vi', r.name_vi, 'name_en', r.name_en, 'kind', 'recorder', 'ward_code', r.ward_code)
      FROM recorders r, area WHERE ST_Intersects(r.geom, area.g)
    UNION ALL
    SELECT CASE p.category WHEN 'school' THEN 'schools' WHEN 'tourism' THEN 'tourism' ELSE 'clinics' END,
           p.id, p.geom,
           jsonb_build_object('name_vi', p.name_vi, 'name_en', p.name_en, 'kind', p.category, 'ward_code', p.ward_code)
      FROM places p, area
     WHERE p.category IN ('school', 'clinic', 'hospital', 'tourism') AND ST_Intersects(p.geom, area.g)
    UNION ALL
    SELECT 'incidents', i.id, i.geom,
           jsonb_build_object('name_vi', i.description, 'name_en', i.description, 'kind', i.kind,
                              'severity', i.severity, 'status', i.status, 'reported_at', i.reported_at,
                              'ward_code', i.ward_code)
      FROM incidents i, area
     WHERE i.reported_at >= $2 AND i.reported_at < $3 AND ST_Intersects(i.geom, area.g)
)
