-- One label point per ward, inside it (ST_PointOnSurface), so each ward is named once on the map.
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
         'type', 'Feature', 'id', code,
         'geometry', ST_AsGeoJSON(ST_PointOnSurface(geom), 6)::json,
         'properties', json_build_object('id', code, 'name_vi', name_vi, 'name_en', name_en)) ORDER BY code), '[]'))::text AS "labels!"
FROM admin_areas WHERE level = 'ward' AND valid_to IS NULL
