-- The ward police and urban-order teams follow the wards: those of the wards ended on $1 are retired
-- (incidents dispatched to them keep their names), and each ward beginning on $1 gets its own two,
-- named `pol-<code>-<year>` (a code may be an ended ward's too). A data-modifying CTE runs on the
-- statement's snapshot, so the units inserted here are never the ones it retires.
WITH retired AS (
    UPDATE response_units SET retired_on = $1
     WHERE kind IN ('police', 'urban_order') AND retired_on IS NULL
       AND ward_code IN (SELECT code FROM admin_areas WHERE level = 'ward' AND valid_to = $1)
)
INSERT INTO response_units (id, kind, name_vi, name_en, ward_code)
SELECT t.prefix || '-' || a.code || '-' || to_char($1, 'YYYY'), t.kind,
       t.vi || ' ' || lower(left(a.name_vi, 1)) || substr(a.name_vi, 2), a.name_en || ' ' || t.en, a.code
  FROM admin_areas a,
       (VALUES ('pol', 'police', 'Công an', 'Police'),
               ('urb', 'urban_order', 'Đội trật tự đô thị', 'Urban Order Team')) AS t(prefix, kind, vi, en)
 WHERE a.level = 'ward' AND a.valid_from = $1
ON CONFLICT (id) DO NOTHING
