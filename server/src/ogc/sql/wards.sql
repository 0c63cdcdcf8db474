SELECT code AS id, geom,
       jsonb_build_object('code', code, 'name_vi', name_vi, 'name_en', name_en, 'population', population,
                          'population_year', population_year, 'area_km2', round(area_km2::numeric, 3),
                          'provenance', provenance) AS props
FROM admin_areas WHERE level = 'ward' AND valid_to IS NULL
