-- Every ward of every period. The id is the code and the first day (`26734@2025-07-01`): two periods'
-- wards may share a code. valid_from / valid_to are the district's midnights, for the datetime filter.
SELECT code || '@' || valid_from AS id, geom,
       (valid_from::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh') AS valid_from,
       (valid_to::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh') AS valid_to,
       jsonb_build_object('code', code, 'name_vi', name_vi, 'name_en', name_en, 'population', population,
                          'population_year', population_year, 'area_km2', round(area_km2::numeric, 3),
                          'provenance', provenance, 'valid_from', valid_from, 'valid_to', valid_to) AS props
FROM admin_areas WHERE level = 'ward'
