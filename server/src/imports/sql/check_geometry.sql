-- The rows whose geometry is refused, with why: $1 row numbers, $2 kinds, $3 geometries as written
-- (same length), $4 the file's SRID, $5 how far beyond the district's outline a geometry may reach
-- (metres: the outline is simplified, real boundaries cross it by tens of metres).
WITH g AS (
    SELECT u.r, x.g, x.error
      FROM unnest($1::int[], $2::text[], $3::text[]) AS u(r, k, b),
           LATERAL import_geometry(u.k, u.b, $4) AS x
), zone AS (
    SELECT geom AS d, ST_Buffer(geom::geography, $5)::geometry AS z FROM admin_areas
     WHERE level = 'district' ORDER BY valid_from DESC LIMIT 1
)
SELECT g.r AS "row!",
       CASE WHEN g.error IS NOT NULL THEN 'the geometry cannot be read: ' || g.error
            WHEN NOT ST_IsValid(g.g) THEN 'the geometry is not valid: ' || ST_IsValidReason(g.g)
            ELSE format('the geometry lies outside District 1 (%s m beyond its outline; at most %s)',
                        (SELECT round(max(ST_Distance((p).geom::geography, zone.d::geography)))
                           FROM ST_DumpPoints(g.g) AS p), $5)
       END AS "reason!"
  FROM g, zone
 WHERE g.error IS NOT NULL OR NOT ST_IsValid(g.g) OR NOT ST_CoveredBy(g.g, zone.z)
 ORDER BY g.r
