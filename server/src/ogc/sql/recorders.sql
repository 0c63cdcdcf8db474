SELECT r.id, r.geom,
       jsonb_build_object('name_vi', r.name_vi, 'name_en', r.name_en, 'ward_code', ward_code_at(r.geom, district_today()),
                          'channels', r.channels, 'cameras', (SELECT count(*) FROM cameras c WHERE c.recorder_id = r.id),
                          'provenance', r.provenance) AS props
FROM recorders r
