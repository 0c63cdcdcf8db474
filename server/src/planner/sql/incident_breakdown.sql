-- Incidents in the area and time range, counted by kind and by status. $1 area GeoJSON, $2 from, $3 to.
WITH area AS MATERIALIZED (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g),
i AS (SELECT i.kind, i.status FROM incidents i, area
       WHERE i.reported_at >= $2 AND i.reported_at < $3 AND ST_Intersects(i.geom, area.g))
SELECT json_build_object(
  'by_kind', (SELECT coalesce(json_agg(json_build_object('kind', kind, 'count', n) ORDER BY n DESC, kind), '[]')
                FROM (SELECT kind, count(*) AS n FROM i GROUP BY kind) k),
  'by_status', (SELECT coalesce(json_agg(json_build_object('status', status, 'count', n) ORDER BY n DESC, status), '[]')
                FROM (SELECT status, count(*) AS n FROM i GROUP BY status) s))::text
