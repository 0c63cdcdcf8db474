-- Public places whose name (vi or en) matches the query ignoring case and diacritics, best first.
-- $1: the query, folded by ioc_fold in SQL; $2: result limit.
WITH q AS (SELECT ioc_fold($1) AS t)
SELECT json_build_object('type', 'Feature', 'id', p.id,
         'geometry', ST_AsGeoJSON(p.geom, 6)::json,
         'properties', json_build_object('id', p.id, 'category', p.category, 'name_vi', p.name_vi,
                                         'name_en', p.name_en, 'address', p.address, 'ward_code', p.ward_code,
                                         'score', round(s.score::numeric, 3)))::text AS "feature!"
FROM places p, q,
     LATERAL (SELECT greatest(word_similarity(q.t, ioc_fold(p.name_vi)),
                              word_similarity(q.t, ioc_fold(p.name_en))) AS score) s
WHERE p.category IN ('tourism', 'school', 'clinic', 'hospital')
  AND (q.t <% ioc_fold(p.name_vi) OR q.t <% ioc_fold(p.name_en)
       OR ioc_fold(p.name_vi) LIKE '%' || q.t || '%' OR ioc_fold(p.name_en) LIKE '%' || q.t || '%')
ORDER BY s.score DESC, (ioc_fold(p.name_vi) LIKE q.t || '%') DESC, length(p.name_vi), p.id
LIMIT $2
