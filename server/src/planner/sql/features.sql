-- GeoJSON features for (layer, id) pairs: $1 layers, $2 ids (same length, in the wanted order); each
-- feature's ward is the one that holds it on day $3.
SELECT json_build_object('type', 'Feature', 'id', k.id, 'geometry', ST_AsGeoJSON(x.geom, 6)::json,
         'properties', jsonb_build_object('id', k.id, 'layer', k.layer) || x.props)::text AS "feature!",
       k.layer AS "layer!", k.id AS "id!",
       x.props->>'name_vi' AS name_vi, x.props->>'name_en' AS name_en, x.props->>'kind' AS kind,
       CASE WHEN GeometryType(x.geom) = 'POINT' THEN ST_X(x.geom) END AS lon,
       CASE WHEN GeometryType(x.geom) = 'POINT' THEN ST_Y(x.geom) END AS lat,
       CASE WHEN GeometryType(x.geom) <> 'POINT' THEN ST_AsText(x.geom) END AS wkt
  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(layer, id, ord)
  CROSS JOIN LATERAL (
      SELECT c.geom, jsonb_build_object('name_vi', c.name_vi, 'name_en', c.name_en, 'kind', c.kind,
                                        'status', c.status, 'ward_code', ward_code_at(c.geom, $3)) AS props
        FROM cameras c WHERE k.layer = 'cameras' AND c.id = k.id
      UNION ALL
      SELECT r.geom, jsonb_build_object('name_vi', r.name_vi, 'name_en', r.name_en, 'kind', 'recorder',
                                        'ward_code', ward_code_at(r.geom, $3))
        FROM recorders r WHERE k.layer = 'recorders' AND r.id = k.id
      UNION ALL
      SELECT p.geom, jsonb_build_object('name_vi', p.name_vi, 'name_en', p.name_en, 'kind', p.category,
                                        'ward_code', ward_code_at(p.geom, $3))
        FROM places p WHERE k.layer IN ('schools', 'clinics', 'tourism') AND p.id = k.id
      UNION ALL
      SELECT i.geom, jsonb_build_object('name_vi', i.description, 'name_en', i.description, 'kind', i.kind,
                                        'severity', i.severity, 'status', i.status,
                                        'reported_at', i.reported_at, 'ward_code', ward_code_at(i.geom, $3))
        FROM incidents i WHERE k.layer = 'incidents' AND i.id = k.id
  ) x
 ORDER BY k.ord
