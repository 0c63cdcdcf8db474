INSERT INTO response_units (id, kind, name_vi, name_en, ward_code, geom)
SELECT f->>'id', p->>'kind', p->>'name_vi', p->>'name_en', p->>'ward_code',
       CASE WHEN jsonb_typeof(f->'geometry') = 'object'
            THEN ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326) END
FROM jsonb_array_elements($1::text::jsonb->'features') AS f, LATERAL (SELECT f->'properties' AS p) AS x
ON CONFLICT (id) DO NOTHING
