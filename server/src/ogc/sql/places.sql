-- {categories} is replaced by a fixed, quoted list from the collection catalogue (never user input).
SELECT id, geom,
       jsonb_build_object('category', category, 'name_vi', name_vi, 'name_en', name_en, 'address', address,
                          'ward_code', ward_code_at(geom, district_today()), 'provenance', provenance) || attributes AS props
FROM places WHERE category IN ({categories})
