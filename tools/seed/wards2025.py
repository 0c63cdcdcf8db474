"""The four wards of District 1 from 1 July 2025, built from the 2020 wards of wards.geojson.

HCMC People's Council resolution 25/NQ-HĐND (18 April 2025), confirmed by the National Assembly
Standing Committee in June 2025, merged the ten wards into four:
- Tân Định = Tân Định + part of Đa Kao;
- Sài Gòn = Bến Nghé + part of Đa Kao + part of Nguyễn Thái Bình (its khu phố 1);
- Bến Thành = Bến Thành + Phạm Ngũ Lão + part of Cầu Ông Lãnh (khu phố 1 and 6) + the rest of
  Nguyễn Thái Bình;
- Cầu Ông Lãnh = Nguyễn Cư Trinh + Cầu Kho + Cô Giang + the rest of Cầu Ông Lãnh.

Where a 2020 ward is split, the line runs along one street of streets.geojson, extended past the
ward's edge (the resolution describes the parts by khu phố, whose limits we do not have):
- Đa Kao along Nguyễn Đình Chiểu: the part south-east of it goes to Sài Gòn;
- Nguyễn Thái Bình along Calmette: the part east of it goes to Sài Gòn;
- Cầu Ông Lãnh along Đề Thám: the part west of it goes to Bến Thành.
Each new ward is then within 15 % of its published area (printed below). The pieces are cut from the
2020 polygons and merged, so the four wards tile the same district outline as the ten.

Codes: the four wards keep codes of former wards (26734, 26740, 26743, 26758), as we read the 2025 list
of administrative unit codes; check them against the official list before relying on them.
Population: the 2019 figures of the former wards, a split ward's shared by area (an estimate).

Run from tools/seed/ after wards.py and streets.py: `python3 wards2025.py`.
"""
import json

from shapely.geometry import LineString, MultiLineString, Point, shape, mapping
from shapely.ops import polygonize, transform, unary_union

from geo import DATA, to_xy, write_collection

VALID_FROM = "2025-07-01"

# code, name_vi, name_en, published area km², the 2020 wards it holds whole
NEW_WARDS = [
    ("26734", "Phường Tân Định", "Tan Dinh Ward", 1.6, ["26734"]),
    ("26740", "Phường Sài Gòn", "Sai Gon Ward", 2.6, ["26740"]),
    ("26743", "Phường Bến Thành", "Ben Thanh Ward", 1.8, ["26743", "26749"]),
    ("26758", "Phường Cầu Ông Lãnh", "Cau Ong Lanh Ward", 1.6, ["26758", "26761", "26755"]),
]

# The split 2020 wards: the street that cuts it, the new ward that gets the piece holding a point
# (lon, lat), and the new ward that gets every other piece (the rest, and any sliver where the
# street's line runs along the ward's edge: no piece is dropped, so the four tile the district).
SPLITS = [
    ("26737", "Nguyễn Đình Chiểu", "26740", (106.7010, 10.7870), "26734"),
    ("26746", "Calmette", "26740", (106.7046, 10.7694), "26743"),
    ("26752", "Đề Thám", "26743", (106.6952, 10.7663), "26758"),
]


def km2(g):
    return transform(lambda x, y, z=None: to_xy(y, x), g).area / 1e6


def extended(line, metres=400):
    """The street's line(s) with both ends carried on `metres` further, so a cut crosses the ward."""
    lines = list(line.geoms) if line.geom_type == "MultiLineString" else [line]
    out = []
    for part in lines:
        c = list(part.coords)

        def ext(a, b):
            dx, dy = a[0] - b[0], a[1] - b[1]
            k = metres / 111_000 / (dx * dx + dy * dy) ** 0.5
            return (a[0] + dx * k, a[1] + dy * k)

        out.append(LineString([ext(c[0], c[1])] + c + [ext(c[-1], c[-2])]))
    return MultiLineString(out) if len(out) > 1 else out[0]


def main():
    wards = {f["properties"]["code"]: f for f in json.loads((DATA / "wards.geojson").read_text())["features"]}
    streets = {f["properties"]["name_vi"]: shape(f["geometry"])
               for f in json.loads((DATA / "streets.geojson").read_text())["features"]}
    # One noding of every 2020 boundary and every cut, polygonized into faces: neighbouring faces share
    # their edges exactly, so the merged wards tile the district with no sliver (cutting each ward
    # on its own left hair-thin gaps along its neighbours).
    old = {code: shape(f["geometry"]) for code, f in wards.items()}
    # each cut clipped a few metres outside its ward, so it crosses the ward's edge for certain and
    # ends, dangling, just inside the neighbour (a dangle makes no face)
    cuts = [extended(streets[street]).intersection(old[ward].buffer(5e-5)) for ward, street, *_ in SPLITS]
    faces = list(polygonize(unary_union([g.boundary for g in old.values()] + cuts)))
    whole_of = {o: code for code, *_, whole in NEW_WARDS for o in whole}
    split_of = {ward: (holder, Point(point), rest) for ward, _, holder, point, rest in SPLITS}
    pieces = {code: [] for code, *_ in NEW_WARDS}
    population = {code: 0.0 for code, *_ in NEW_WARDS}
    for face in faces:
        inside = [c for c, g in old.items() if g.contains(face.representative_point())]
        assert len(inside) == 1, f"a face lies in {inside}"
        o = inside[0]
        if o in split_of:
            holder, point, rest = split_of[o]
            to = holder if face.covers(point) else rest
        else:
            to = whole_of[o]
        pieces[to].append(face)
        population[to] += wards[o]["properties"]["population"] * km2(face) / km2(old[o])
    features = []
    for code, name_vi, name_en, published, _ in NEW_WARDS:
        ward = unary_union(pieces[code]).normalize()
        area = km2(ward)
        print(f"{name_en:<20} {area:.3f} km² (published ≈{published}: {100 * (area / published - 1):+.1f} %), "
              f"{ward.geom_type}")
        assert abs(area / published - 1) < 0.15, f"{name_en} is off its published area by more than 15 %"
        assert ward.geom_type == "Polygon", f"{name_en} is in several parts"
        features.append({
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name_vi": name_vi, "name_en": name_en,
                           "population": round(population[code]), "population_year": 2019,
                           "provenance": "synthetic", "valid_from": VALID_FROM},
            "geometry": mapping(ward),
        })
    before = unary_union(list(old.values()))
    new = unary_union([shape(f["geometry"]) for f in features])
    overlap = sum(km2(shape(a["geometry"]).intersection(shape(b["geometry"])))
                  for i, a in enumerate(features) for b in features[i + 1:])
    print(f"tiling: symmetric difference with the 2020 wards {km2(before.symmetric_difference(new)) * 1e6:.4f} m², "
          f"overlap {overlap * 1e6:.4f} m²")
    write_collection("wards_2025", features,
                     "Approximate boundaries of District 1's four wards from 1 July 2025 (resolution "
                     "25/NQ-HĐND), built by tools/seed/wards2025.py from the approximate 2020 wards; split "
                     "wards are cut along streets. Not official boundaries.")


if __name__ == "__main__":
    main()
