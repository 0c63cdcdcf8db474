-- Public places whose name (vi or en) matches the query ignoring case and diacritics, best first.
-- $1: the query, folded by ioc_fold in SQL; $2: result limit.
WITH q AS (SELECT ioc_fold($1) AS t)
SELECT p.id, p.category, p.name_vi, p.name_en, p.address, ward_code_at(p.geom, district_today()) AS ward_code,
       round(s.score::numeric, 3)::float8 AS "score!",
       round(ST_X(p.geom)::numeric, 6)::float8 AS "lon!", round(ST_Y(p.geom)::numeric, 6)::float8 AS "lat!"
FROM places p, q,
     LATERAL (SELECT greatest(word_similarity(q.t, ioc_fold(p.name_vi)),
                              word_similarity(q.t, ioc_fold(p.name_en))) AS score) s
WHERE p.category IN ('tourism', 'school', 'clinic', 'hospital')
  AND (q.t <% ioc_fold(p.name_vi) OR q.t <% ioc_fold(p.name_en)
       OR ioc_fold(p.name_vi) LIKE '%' || q.t || '%' OR ioc_fold(p.name_en) LIKE '%' || q.t || '%')
ORDER BY s.score DESC, (ioc_fold(p.name_vi) LIKE q.t || '%') DESC, length(p.name_vi), p.id
LIMIT $2
