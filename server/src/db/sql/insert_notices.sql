INSERT INTO public_notices (id, title_vi, title_en, body_vi, body_en, geom)
SELECT f->>'id', p->>'title_vi', p->>'title_en', coalesce(p->>'body_vi', ''), coalesce(p->>'body_en', ''),
       CASE WHEN jsonb_typeof(f->'geometry') = 'object'
            THEN ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326) END
FROM jsonb_array_elements($1::text::jsonb->'features') AS f, LATERAL (SELECT f->'properties' AS p) AS x
ON CONFLICT (id) DO NOTHING
