-- An incident as a GeoJSON Feature, with its position. $1: the id.
SELECT feature, ST_X(geom), ST_Y(geom) FROM incident_features WHERE id = $1
