-- Each patrol vehicle camera and the streets of the ward of today it is in (its patrol area follows
-- the wards: after the 2025 merger a vehicle patrols the merged ward), clipped to the ward and
-- segmentized to points about $1 metres apart, as a JSON array of GeoJSON LineStrings.
SELECT c.id,
       (SELECT coalesce(jsonb_agg(ST_AsGeoJSON(ST_Segmentize(s.g::geography, $1)::geometry)::jsonb), '[]')
          FROM (SELECT (ST_Dump(ST_Intersection(st.geom, w.geom))).geom AS g
                  FROM streets st JOIN admin_areas w
                    ON w.level = 'ward' AND w.code = ward_code_at(c.geom, district_today())
                   AND w.valid_from <= district_today()
                   AND (w.valid_to IS NULL OR district_today() < w.valid_to)
                 WHERE ST_Intersects(st.geom, w.geom)) s
         WHERE GeometryType(s.g) = 'LINESTRING') AS "streets!"
  FROM cameras c
 WHERE c.kind = 'vehicle'
 ORDER BY c.id
