-- Foundation schema: administrative areas, streets, recorders, cameras, places of interest, incidents.
-- Geometries are WGS84 (SRID 4326) with a GiST index; distances in metres go through `geography`,
-- which has its own GiST index (an expression index on geom::geography) so ST_DWithin in metres is fast.
CREATE EXTENSION IF NOT EXISTS postgis;

-- Wards and the district, versioned by validity dates so an official import or a later boundary
-- reform can add rows instead of rewriting them.
CREATE TABLE admin_areas (
    code            text PRIMARY KEY,            -- official code (ward 26740, district 760)
    level           text NOT NULL CHECK (level IN ('district', 'ward')),
    parent_code     text REFERENCES admin_areas (code),
    name_vi         text NOT NULL,
    name_en         text NOT NULL,
    population      integer CHECK (population >= 0),
    population_year smallint,
    area_km2        double precision NOT NULL,   -- computed from geom at load (geography, m²)
    provenance      text NOT NULL CHECK (provenance IN ('real', 'synthetic', 'official')),
    valid_from      date NOT NULL DEFAULT DATE '2020-01-01',
    valid_to        date,
    geom            geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX admin_areas_geom_idx ON admin_areas USING gist (geom);
CREATE INDEX admin_areas_geog_idx ON admin_areas USING gist ((geom::geography));

CREATE TABLE streets (
    id          text PRIMARY KEY,                -- st-001
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    main        boolean NOT NULL DEFAULT false,
    provenance  text NOT NULL CHECK (provenance IN ('real', 'synthetic', 'official')),
    geom        geometry(MultiLineString, 4326) NOT NULL
);
CREATE INDEX streets_geom_idx ON streets USING gist (geom);
CREATE INDEX streets_geog_idx ON streets USING gist ((geom::geography));

CREATE TABLE recorders (
    id          text PRIMARY KEY,                -- nvr-001
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    ward_code   text NOT NULL REFERENCES admin_areas (code),
    channels    smallint NOT NULL CHECK (channels > 0),
    provenance  text NOT NULL CHECK (provenance IN ('real', 'synthetic')),
    geom        geometry(Point, 4326) NOT NULL
);
CREATE INDEX recorders_geom_idx ON recorders USING gist (geom);

CREATE TABLE cameras (
    id          text PRIMARY KEY,                -- cam-0001
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('fixed', 'long_range', 'vehicle')),
    recorder_id text REFERENCES recorders (id),
    ward_code   text NOT NULL REFERENCES admin_areas (code),
    -- Never sent to a browser: it may carry credentials. Only the video module reads it.
    stream_url  text NOT NULL,
    status      text NOT NULL DEFAULT 'unknown' CHECK (status IN ('online', 'offline', 'unknown')),
    status_at   timestamptz,
    provenance  text NOT NULL CHECK (provenance IN ('real', 'synthetic')),
    attributes  jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    geom        geometry(Point, 4326) NOT NULL,
    -- fixed and long-range cameras record on a recorder; vehicle cameras have none
    CONSTRAINT cameras_recorder_kind CHECK ((kind = 'vehicle') = (recorder_id IS NULL))
);
CREATE INDEX cameras_geom_idx ON cameras USING gist (geom);
CREATE INDEX cameras_geog_idx ON cameras USING gist ((geom::geography));
CREATE INDEX cameras_recorder_idx ON cameras (recorder_id);

CREATE TABLE places (
    id          text PRIMARY KEY,                -- sch-001, cli-001, hos-001, tou-001, fir-001
    category    text NOT NULL CHECK (category IN ('school', 'clinic', 'hospital', 'tourism', 'fire_station',
                                                  'police', 'public_service', 'other')),
    name_vi     text NOT NULL,
    name_en     text NOT NULL,
    address     text,
    ward_code   text REFERENCES admin_areas (code),
    attributes  jsonb NOT NULL DEFAULT '{}'::jsonb,
    provenance  text NOT NULL CHECK (provenance IN ('real', 'synthetic')),
    geom        geometry(Point, 4326) NOT NULL
);
CREATE INDEX places_geom_idx ON places USING gist (geom);
CREATE INDEX places_geog_idx ON places USING gist ((geom::geography));
CREATE INDEX places_category_idx ON places (category);

-- Incidents: the lifecycle, case history and live event log come with the real-time issue.
CREATE SEQUENCE incident_number_seq;
CREATE TABLE incidents (
    id          text PRIMARY KEY DEFAULT ('inc-' || lpad(nextval('incident_number_seq')::text, 6, '0')),
    kind        text NOT NULL,
    severity    smallint NOT NULL CHECK (severity BETWEEN 1 AND 4),
    status      text NOT NULL DEFAULT 'new',
    description text NOT NULL DEFAULT '',
    ward_code   text REFERENCES admin_areas (code),
    reported_at timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz,
    geom        geometry(Point, 4326) NOT NULL
);
CREATE INDEX incidents_geom_idx ON incidents USING gist (geom);
CREATE INDEX incidents_geog_idx ON incidents USING gist ((geom::geography));
CREATE INDEX incidents_reported_idx ON incidents (reported_at);

-- Which seed data sets have been loaded, so loading is done once and is idempotent.
CREATE TABLE seed_runs (
    name       text PRIMARY KEY,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);
