-- Layers from files (issue #13): what an admin uploaded (kept until committed or a day old), the
-- layers imports made, and their features. A layer's features are replaced by each import of it as
-- one transaction: every row lands or none does.

-- VN-2000 / TM-3 with central meridian 105°45′, the zone Ho Chi Minh City's agencies use (EPSG has
-- the national zones 102°, 105°, 108° and Đà Nẵng's 107°45′, not this one). Same datum shift as
-- EPSG:4756 (VN-2000) and the same projection parameters as EPSG:5899, with lon_0 = 105.75.
INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, proj4text, srtext)
SELECT 910575, 'IOC', 910575,
       '+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 '
       '+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 '
       '+units=m +no_defs',
       replace(replace(srtext, 'VN-2000 / TM-3 Da Nang zone', 'VN-2000 / TM-3 105-45 (Ho Chi Minh City)'),
               'PARAMETER["central_meridian",107.75]', 'PARAMETER["central_meridian",105.75]')
  FROM spatial_ref_sys WHERE srid = 5899
ON CONFLICT (srid) DO NOTHING;

CREATE TABLE imports (
    id          text PRIMARY KEY,                 -- imp-<random>
    filename    text NOT NULL,
    format      text NOT NULL CHECK (format IN ('geojson', 'csv', 'shapefile', 'geopackage')),
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- what the file said of its coordinates: an SRID, or NULL (the commit names it)
    source_srid integer,
    -- the preview answered at upload, and the rows read from the file (replaced by NULL once committed)
    preview     jsonb NOT NULL,
    rows        jsonb,
    committed_at timestamptz,
    layer_id    text
);
CREATE INDEX imports_created_idx ON imports (created_at);

CREATE TABLE layers (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{1,39}$'),
    title_vi    text NOT NULL,
    title_en    text NOT NULL,
    access      text NOT NULL CHECK (access IN ('public', 'staff')),
    -- the fields the layer keeps, as mapped at import: [{name, type, required}]
    fields      jsonb NOT NULL DEFAULT '[]',
    source      text NOT NULL,                    -- the file it was last imported from
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE layer_features (
    layer_id    text NOT NULL REFERENCES layers (id) ON DELETE CASCADE,
    feature_id  text NOT NULL,
    props       jsonb NOT NULL,
    geom        geometry(Geometry, 4326) NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (layer_id, feature_id)
);
CREATE INDEX layer_features_geom_idx ON layer_features USING gist (geom);

-- A row's geometry read and brought to WGS 84, or why it cannot be: `kind` is geojson, wkt or lonlat
-- (`text` then "lon lat"), `srid` the file's coordinate system. One row's bad geometry must not end
-- the statement that reads the others, so each is read in its own exception block.
CREATE FUNCTION import_geometry(kind text, body text, srid integer, OUT g geometry, OUT error text)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    raw geometry;
BEGIN
    raw := CASE kind
        WHEN 'geojson' THEN ST_GeomFromGeoJSON(body)
        WHEN 'wkt' THEN ST_GeomFromText(body)
        WHEN 'lonlat' THEN ST_MakePoint(split_part(body, ' ', 1)::float8, split_part(body, ' ', 2)::float8)
    END;
    IF raw IS NULL OR ST_IsEmpty(raw) THEN
        error := 'the geometry is empty';
        RETURN;
    END IF;
    g := ST_Transform(ST_SetSRID(ST_Force2D(raw), srid), 4326);
EXCEPTION WHEN OTHERS THEN
    g := NULL;
    error := SQLERRM;
END
$$;
