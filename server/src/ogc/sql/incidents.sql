-- t: the time an incident was reported (the collection's `datetime`).
SELECT f.id, f.geom, f.feature->'properties' AS props, i.reported_at AS t
FROM incident_features f JOIN incidents i ON i.id = f.id
