-- $2: RTSP base URL; each camera's stream is <base>/<stream_path>
INSERT INTO cameras (id, name_vi, name_en, kind, recorder_id, ward_code, stream_url, provenance,
                     attributes, geom)
SELECT f->>'id', p->>'name_vi', p->>'name_en', p->>'kind', p->>'recorder', p->>'ward_code',
       $2 || '/' || (p->>'stream_path'), p->>'provenance',
       jsonb_strip_nulls(jsonb_build_object('landmark_vi', p->'landmark_vi', 'landmark_en', p->'landmark_en',
                                            'street_vi', p->'street_vi')),
       ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326)
FROM jsonb_array_elements($1::text::jsonb->'features') AS f, LATERAL (SELECT f->'properties' AS p) AS x
ON CONFLICT (id) DO NOTHING
