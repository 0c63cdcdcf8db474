SELECT code AS id, geom,
       jsonb_build_object('code', code, 'name_vi', name_vi, 'name_en', name_en, 'population', population,
                          'area_km2', round(area_km2::numeric, 3), 'provenance', provenance) AS props
FROM admin_areas WHERE level = 'district' AND valid_from <= district_today()
  AND (valid_to IS NULL OR district_today() < valid_to)
