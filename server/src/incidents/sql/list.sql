-- Incidents as GeoJSON Features, newest change first. $1 statuses (NULL: any), $2..$5 a bbox
-- (NULL: anywhere), $6 changed after (NULL: ever), $7 limit, $8 offset.
SELECT f.feature AS "feature!: Json<Incident>" FROM incidents i JOIN incident_features f ON f.id = i.id
 WHERE ($1::text[] IS NULL OR i.status = ANY($1))
   AND ($2::float8 IS NULL OR i.geom && ST_MakeEnvelope($2, $3, $4, $5, 4326))
   AND ($6::timestamptz IS NULL OR i.updated_at > $6)
 ORDER BY i.updated_at DESC, i.id
 LIMIT $7 OFFSET $8
