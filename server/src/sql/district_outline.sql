-- The district and its current wards as one small SVG (Web Mercator metres, y down as SVG wants:
-- ST_AsSVG negates y), drawn by the page before the map's code has arrived (issue #12).
WITH district AS (
    SELECT ST_Transform(geom, 3857) AS g FROM admin_areas
    WHERE level = 'district' AND valid_from <= district_today()
  AND (valid_to IS NULL OR district_today() < valid_to) ORDER BY code LIMIT 1
), wards AS (
    SELECT string_agg(ST_AsSVG(ST_Transform(ST_Boundary(geom), 3857), 1, 0), ' ' ORDER BY code) AS d
    FROM admin_areas WHERE level = 'ward' AND valid_from <= district_today()
  AND (valid_to IS NULL OR district_today() < valid_to)
)
SELECT format(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="%s %s %s %s" preserveAspectRatio="xMidYMid meet">'
    '<path d="%s" fill="#e6ebe3" stroke="#5c6b7a" stroke-width="2" vector-effect="non-scaling-stroke"/>'
    '<path d="%s" fill="none" stroke="#8a96a3" stroke-width="1" vector-effect="non-scaling-stroke"/></svg>',
    round(ST_XMin(g)), round(-ST_YMax(g)), round(ST_XMax(g) - ST_XMin(g)), round(ST_YMax(g) - ST_YMin(g)),
    ST_AsSVG(g, 1, 0), coalesce(wards.d, '')) AS "svg!"
FROM district, wards
