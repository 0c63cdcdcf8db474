-- $1: GeoJSON FeatureCollection of areas, $2: level, $3: parent code (NULL for the district). An area
-- is valid from its `valid_from` property (default 2020-01-01, the seed's first boundaries) to its
-- `valid_to` (exclusive; none: still valid).
INSERT INTO admin_areas (code, level, parent_code, name_vi, name_en, population, population_year,
                         area_km2, provenance, valid_from, valid_to, geom)
SELECT f->>'id', $2, $3, p->>'name_vi', p->>'name_en', (p->>'population')::integer,
       (p->>'population_year')::smallint, ST_Area(g::geography) / 1e6, p->>'provenance',
       coalesce((p->>'valid_from')::date, DATE '2020-01-01'), (p->>'valid_to')::date, g
FROM jsonb_array_elements($1::text::jsonb->'features') AS f,
     LATERAL (SELECT f->'properties' AS p,
                     ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326)) AS g) AS x
ON CONFLICT DO NOTHING
