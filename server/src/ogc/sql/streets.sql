SELECT id, geom,
       jsonb_build_object('name_vi', name_vi, 'name_en', name_en, 'main', main,
                          'length_m', round(ST_Length(geom::geography)), 'provenance', provenance) AS props
FROM streets
