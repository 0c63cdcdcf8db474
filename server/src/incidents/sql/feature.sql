-- An incident as a GeoJSON Feature, with its position. $1: the id.
SELECT feature AS "feature!: Json<Incident>", ST_X(geom) AS "lon!", ST_Y(geom) AS "lat!"
  FROM incident_features
 WHERE id = $1
