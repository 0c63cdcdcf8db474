-- $1: the cameras' GeoJSON (its ward_code properties are not loaded: a camera's ward is computed from
-- its position at the date asked, see migration 0009)
-- $2: RTSP base URL; each camera's stream is <base>/<stream_path>
INSERT INTO cameras (id, name_vi, name_en, kind, recorder_id, stream_url, provenance,
                     attributes, geom)
SELECT f->>'id', p->>'name_vi', p->>'name_en', p->>'kind', p->>'recorder',
       $2 || '/' || (p->>'stream_path'), p->>'provenance',
       jsonb_strip_nulls(jsonb_build_object('landmark_vi', p->'landmark_vi', 'landmark_en', p->'landmark_en',
                                            'street_vi', p->'street_vi')),
       ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326)
FROM jsonb_array_elements($1::text::jsonb->'features') AS f, LATERAL (SELECT f->'properties' AS p) AS x
ON CONFLICT (id) DO NOTHING
