"""Shared helpers for the District 1 seed generators: a local metric projection and the outline.

The generators work in metres on a local equirectangular projection centred on District 1 (error well
under 0.1 % over 5 km), then write WGS84 GeoJSON.
"""
import json
import math
from pathlib import Path

LAT0, LON0 = 10.775, 106.698
KX = 111_320.0 * math.cos(math.radians(LAT0))  # metres per degree of longitude here
KY = 110_574.0  # metres per degree of latitude near 10.8° N

DATA = Path(__file__).resolve().parents[2] / "data" / "district1"

# District outline (simplified from the government's boundary), (lat, lon), from the foundation issue.
OUTLINE_LATLON = [
    (10.79576, 106.69168), (10.79391, 106.69428), (10.79311, 106.70316), (10.79133, 106.70645),
    (10.78777, 106.70904), (10.78741, 106.71345), (10.78533, 106.71503), (10.78109, 106.70960),
    (10.77680, 106.70851), (10.77031, 106.70853), (10.76829, 106.70414), (10.75351, 106.68697),
    (10.75709, 106.68449), (10.76565, 106.68116), (10.78322, 106.69792), (10.79250, 106.68611),
    (10.79306, 106.68653), (10.79548, 106.68481), (10.79706, 106.68546),
]


def to_xy(lat, lon):
    return ((lon - LON0) * KX, (lat - LAT0) * KY)


def to_lonlat(x, y):
    return (round(LON0 + x / KX, 6), round(LAT0 + y / KY, 6))


def outline_xy():
    from shapely.geometry import Polygon

    return Polygon([to_xy(lat, lon) for lat, lon in OUTLINE_LATLON])


def geom_to_lonlat(geom):
    """Shapely geometry in local metres -> GeoJSON geometry dict in lon/lat."""
    from shapely.geometry import mapping
    from shapely.ops import transform

    return mapping(transform(lambda x, y, z=None: to_lonlat_arrays(x, y), geom))


def to_lonlat_arrays(x, y):
    import numpy as np

    x, y = np.asarray(x), np.asarray(y)
    return (np.round(LON0 + x / KX, 6), np.round(LAT0 + y / KY, 6))


def write_collection(name, features, note):
    path = DATA / f"{name}.geojson"
    doc = {"type": "FeatureCollection", "note": note, "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({len(features)} features)")
