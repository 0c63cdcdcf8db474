-- The public notices valid now, newest first; times as RFC 3339 text the way PostgreSQL writes JSON.
SELECT id, title_vi, title_en, body_vi, body_en,
       to_json(valid_from) #>> '{}' AS "valid_from!",
       to_json(valid_to) #>> '{}' AS valid_to,
       round(ST_X(geom)::numeric, 6)::float8 AS lon, round(ST_Y(geom)::numeric, 6)::float8 AS lat
  FROM public_notices
 WHERE valid_from <= now() AND (valid_to IS NULL OR valid_to > now())
 ORDER BY valid_from DESC
