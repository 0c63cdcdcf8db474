-- Incidents per time bin in Ho Chi Minh City time, empty bins included.
-- $1 area GeoJSON, $2 from, $3 to, $4 bin ('hour', 'day', 'week', 'month').
WITH area AS MATERIALIZED (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g),
counts AS (
    SELECT date_trunc($4, i.reported_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS b, count(*) AS n
      FROM incidents i, area
     WHERE i.reported_at >= $2 AND i.reported_at < $3 AND ST_Intersects(i.geom, area.g)
     GROUP BY 1),
bins AS (
    SELECT generate_series(date_trunc($4, $2 AT TIME ZONE 'Asia/Ho_Chi_Minh'),
                           $3 AT TIME ZONE 'Asia/Ho_Chi_Minh', ('1 ' || $4)::interval) AS b)
SELECT coalesce(json_agg(json_build_object('start', to_char(bins.b, 'YYYY-MM-DD"T"HH24:MI:SS') || '+07:00',
                                           'count', coalesce(counts.n, 0)) ORDER BY bins.b), '[]')::text
  FROM bins LEFT JOIN counts ON counts.b = bins.b
