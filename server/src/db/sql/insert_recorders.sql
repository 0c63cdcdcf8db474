-- The recorders (the file's ward_code is not loaded: wards are computed from positions)
INSERT INTO recorders (id, name_vi, name_en, channels, provenance, geom)
SELECT f->>'id', p->>'name_vi', p->>'name_en', (p->>'channels')::smallint,
       p->>'provenance', ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326)
FROM jsonb_array_elements($1::text::jsonb->'features') AS f, LATERAL (SELECT f->'properties' AS p) AS x
ON CONFLICT (id) DO NOTHING
