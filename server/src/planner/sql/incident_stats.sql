-- Incidents in the area and time range in one pass: total, by kind, by status, and per time bin of
-- Ho Chi Minh City time (empty bins included). $1 area GeoJSON, $2 from, $3 to, $4 bin.
-- {incidents} is `incidents`, or for short time ranges a time-first subquery (see query.rs).
WITH area AS NOT MATERIALIZED (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g),
i AS MATERIALIZED (
    SELECT i.kind, i.status, date_trunc($4, i.reported_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS b
      FROM {incidents} i, area
     WHERE i.reported_at >= $2 AND i.reported_at < $3 AND ST_Intersects(i.geom, area.g)),
g AS MATERIALIZED (
    SELECT kind, status, b, GROUPING(kind) AS gk, GROUPING(status) AS gs, GROUPING(b) AS gb, count(*) AS n
      FROM i GROUP BY GROUPING SETS ((kind), (status), (b), ())),
bins AS (
    SELECT generate_series(date_trunc($4, $2 AT TIME ZONE 'Asia/Ho_Chi_Minh'),
                           $3 AT TIME ZONE 'Asia/Ho_Chi_Minh', ('1 ' || $4)::interval) AS b)
SELECT json_build_object(
  'total', coalesce((SELECT n FROM g WHERE gk = 1 AND gs = 1 AND gb = 1), 0),
  'by_kind', (SELECT coalesce(json_agg(json_build_object('kind', kind, 'count', n) ORDER BY n DESC, kind), '[]')
                FROM g WHERE gk = 0),
  'by_status', (SELECT coalesce(json_agg(json_build_object('status', status, 'count', n) ORDER BY n DESC, status), '[]')
                  FROM g WHERE gs = 0),
  'bins', (SELECT coalesce(json_agg(json_build_object('start', to_char(bins.b, 'YYYY-MM-DD"T"HH24:MI:SS') || '+07:00',
                                                      'count', coalesce(g.n, 0)) ORDER BY bins.b), '[]')
             FROM bins LEFT JOIN g ON g.gb = 0 AND g.b = bins.b))::text
