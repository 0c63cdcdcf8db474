-- The places (the file's ward_code is not loaded: wards are computed from positions)
INSERT INTO places (id, category, name_vi, name_en, address, provenance, geom)
SELECT f->>'id', p->>'category', p->>'name_vi', p->>'name_en', p->>'address',
       p->>'provenance', ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326)
FROM jsonb_array_elements($1::text::jsonb->'features') AS f, LATERAL (SELECT f->'properties' AS p) AS x
ON CONFLICT (id) DO NOTHING
