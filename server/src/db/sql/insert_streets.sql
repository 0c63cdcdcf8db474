INSERT INTO streets (id, name_vi, name_en, main, provenance, geom)
SELECT f->>'id', p->>'name_vi', p->>'name_en', (p->>'main')::boolean, p->>'provenance',
       ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326))
FROM jsonb_array_elements($1::text::jsonb->'features') AS f, LATERAL (SELECT f->'properties' AS p) AS x
ON CONFLICT (id) DO NOTHING
