-- The imported layers ($1: only this one, or NULL for all), with what their features are.
SELECT l.id, l.title_vi, l.title_en, l.access, l.source,
       to_json(l.updated_at) #>> '{}' AS "updated_at!",
       (SELECT count(*) FROM layer_features f WHERE f.layer_id = l.id) AS "features!",
       (SELECT CASE WHEN count(DISTINCT ST_Dimension(f.geom)) = 1 THEN
                         (ARRAY['point', 'line', 'polygon'])[max(ST_Dimension(f.geom)) + 1]
                    ELSE 'mixed' END
          FROM layer_features f WHERE f.layer_id = l.id) AS "geometry!"
  FROM layers l
 WHERE $1::text IS NULL OR l.id = $1
 ORDER BY l.id
