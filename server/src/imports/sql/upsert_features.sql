-- Writes a layer's features: $1 layer, $2 ids, $3 properties (JSON text), $4 kinds, $5 geometries as
-- written, $6 the file's SRID. A feature already there is rewritten only if it changed; the answer
-- has one row per feature written, saying whether it is new.
INSERT INTO layer_features (layer_id, feature_id, props, geom)
SELECT $1, u.i, u.p::jsonb, (import_geometry(u.k, u.b, $6)).g
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(i, p, k, b)
ON CONFLICT (layer_id, feature_id) DO UPDATE
   SET props = EXCLUDED.props, geom = EXCLUDED.geom, imported_at = now()
 WHERE layer_features.props IS DISTINCT FROM EXCLUDED.props
    OR ST_AsBinary(layer_features.geom) IS DISTINCT FROM ST_AsBinary(EXCLUDED.geom)
RETURNING (xmax = 0) AS "inserted!"
