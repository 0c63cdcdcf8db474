-- stream_url is deliberately absent: it may carry credentials and never leaves the server.
SELECT id, geom,
       jsonb_build_object('name_vi', name_vi, 'name_en', name_en, 'kind', kind, 'recorder', recorder_id,
                          'ward_code', ward_code_at(geom, district_today()), 'status', status, 'provenance', provenance) || attributes AS props
FROM cameras
