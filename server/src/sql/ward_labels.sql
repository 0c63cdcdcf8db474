-- One label point per ward valid on $1 (NULL: today), inside it (ST_PointOnSurface), so each ward is
-- named once on the map.
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
         'type', 'Feature', 'id', code,
         'geometry', ST_AsGeoJSON(ST_PointOnSurface(geom), 6)::json,
         'properties', json_build_object('id', code, 'name_vi', name_vi, 'name_en', name_en)) ORDER BY code), '[]'))::text AS "labels!"
FROM admin_areas, (SELECT coalesce($1::date, district_today()) AS d) AS asked
WHERE level = 'ward' AND valid_from <= asked.d AND (valid_to IS NULL OR asked.d < valid_to)
