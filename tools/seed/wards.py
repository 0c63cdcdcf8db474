"""Generate approximate ward polygons for District 1 (2020 wards) that tile the district outline.

Method: a power (weighted Voronoi) diagram clipped to the outline, whose sites and weights are iterated
until each ward's area matches its published area (scaled to the outline) and its centroid its published
centroid. A power diagram tiles the outline with no gap or overlap by construction. The result is an
approximation, not an official boundary: see data/district1/README.md.
"""
import numpy as np
from shapely.geometry import Polygon, Point, box
from shapely.ops import unary_union

from geo import outline_xy, to_xy, geom_to_lonlat, write_collection

# code, name_vi, name_en, area km², centroid (lat, lon), population 2019
WARDS = [
    ("26734", "Phường Tân Định", "Tan Dinh Ward", 0.633, (10.79266, 106.69063), 23258),
    ("26737", "Phường Đa Kao", "Da Kao Ward", 0.995, (10.78909, 106.69883), 14970),
    ("26740", "Phường Bến Nghé", "Ben Nghe Ward", 2.478, (10.78059, 106.70463), 10633),
    ("26743", "Phường Bến Thành", "Ben Thanh Ward", 0.927, (10.77349, 106.69419), 11714),
    ("26746", "Phường Nguyễn Thái Bình", "Nguyen Thai Binh Ward", 0.492, (10.76867, 106.70122), 9716),
    ("26749", "Phường Phạm Ngũ Lão", "Pham Ngu Lao Ward", 0.498, (10.76815, 106.69120), 15183),
    ("26752", "Phường Cầu Ông Lãnh", "Cau Ong Lanh Ward", 0.227, (10.76539, 106.69677), 10737),
    ("26755", "Phường Cô Giang", "Co Giang Ward", 0.356, (10.76216, 106.69357), 11517),
    ("26758", "Phường Nguyễn Cư Trinh", "Nguyen Cu Trinh Ward", 0.764, (10.76319, 106.68628), 21191),
    ("26761", "Phường Cầu Kho", "Cau Kho Ward", 0.344, (10.75770, 106.68891), 13706),
]

# Real places that must fall inside a given ward (from the facts).
MUST_CONTAIN = {
    "26743": [(10.77252, 106.69802), (10.77694, 106.69528), (10.77444, 106.69250)],
    "26740": [(10.77583, 106.70150), (10.77930, 106.69950), (10.77979, 106.69899), (10.78318, 106.70043),
              (10.78806, 106.70472), (10.77528, 106.70639), (10.77949, 106.69999), (10.77639, 106.70111),
              (10.77667, 106.70306), (10.77411, 106.70362), (10.77160, 106.70463)],
}


def power_cells(sites, weights, region):
    minx, miny, maxx, maxy = region.bounds
    big = box(minx - 5000, miny - 5000, maxx + 5000, maxy + 5000)
    cells = []
    for i, (p, wi) in enumerate(zip(sites, weights)):
        cell = big
        for j, (q, wj) in enumerate(zip(sites, weights)):
            if i == j:
                continue
            # points x with |x-p|²-wi <= |x-q|²-wj  <=>  2(q-p)·x <= |q|²-|p|²-wj+wi
            n = 2 * (q - p)
            c = q @ q - p @ p - wj + wi
            cell = cell.intersection(halfplane(n, c, big))
            if cell.is_empty:
                break
        cells.append(cell.intersection(region))
    return cells


def halfplane(n, c, big):
    """Polygon of {x : n·x <= c} clipped to a large box."""
    minx, miny, maxx, maxy = big.bounds
    corners = [(minx, miny), (maxx, miny), (maxx, maxy), (minx, maxy)]
    pts = []
    for k in range(4):
        a, b = np.array(corners[k]), np.array(corners[(k + 1) % 4])
        fa, fb = n @ a - c, n @ b - c
        if fa <= 0:
            pts.append(tuple(a))
        if (fa < 0) != (fb < 0):
            t = fa / (fa - fb)
            pts.append(tuple(a + t * (b - a)))
    return Polygon(pts) if len(pts) >= 3 else Polygon()


def main():
    region = outline_xy()
    total_real = sum(w[3] for w in WARDS)
    targets_area = np.array([w[3] / total_real * region.area / 1e6 for w in WARDS]) * 1e6
    targets_c = np.array([to_xy(*w[4]) for w in WARDS])
    sites = targets_c.copy()
    weights = np.zeros(len(WARDS))
    for it in range(4000):
        cells = power_cells(sites, weights, region)
        areas = np.array([c.area for c in cells])
        cents = np.array([[c.centroid.x, c.centroid.y] if not c.is_empty else [0, 0] for c in cells])
        weights += 0.3 * (targets_area - areas)
        weights -= weights.mean()
        sites += 0.3 * (targets_c - cents)
        # push sites so that the required places end up inside their ward
        for code, places in MUST_CONTAIN.items():
            i = [w[0] for w in WARDS].index(code)
            for lat, lon in places:
                pt = Point(to_xy(lat, lon))
                if not cells[i].contains(pt.buffer(25)):
                    weights[i] += 2000
        err_a = np.abs(areas / (np.array([w[3] for w in WARDS]) * 1e6) - 1).max()
        err_c = np.linalg.norm(cents - targets_c, axis=1).max()
        if it % 200 == 0:
            print(f"iter {it}: worst area error {err_a:.3f}, worst centroid offset {err_c:.0f} m")
        ok_places = all(cells[[w[0] for w in WARDS].index(code)].contains(Point(to_xy(*p)).buffer(25))
                        for code, ps in MUST_CONTAIN.items() for p in ps)
        if err_a < 0.08 and err_c < 90 and ok_places:
            break
    print(f"final iter {it}: worst area error {err_a:.3f}, worst centroid offset {err_c:.0f} m, places ok {ok_places}")
    for w, a, c, t in zip(WARDS, areas, cents, targets_c):
        print(f"  {w[2]:<24} area {a/1e6:.3f} (real {w[3]}) centroid off {np.linalg.norm(c-t):.0f} m")
    union = unary_union(cells)
    print("gap/overlap check: union area - outline area =", round(union.area - region.area, 3), "m²")
    features = []
    for w, cell in zip(WARDS, cells):
        cell = cell.normalize()
        features.append({
            "type": "Feature",
            "id": w[0],
            "properties": {"code": w[0], "name_vi": w[1], "name_en": w[2], "population": w[5],
                           "population_year": 2019, "provenance": "synthetic"},
            "geometry": geom_to_lonlat(cell),
        })
    write_collection("wards", features,
                     "Approximate 2020 ward boundaries of District 1 generated by tools/seed/wards.py from the "
                     "published outline, areas and centroids; not official boundaries.")


if __name__ == "__main__":
    main()


def write_district():
    """The district polygon as the union of the (rounded) ward polygons, so wards tile it exactly.

    It differs from the issue's outline only by the few-centimetre rounding of the points where ward
    boundaries meet it.
    """
    import json
    from shapely.geometry import shape, mapping
    from shapely.ops import unary_union
    from geo import DATA

    wards = json.loads((DATA / "wards.geojson").read_text())["features"]
    union = unary_union([shape(f["geometry"]) for f in wards]).normalize()
    feature = {
        "type": "Feature",
        "id": "760",
        "properties": {"code": "760", "name_vi": "Quận 1", "name_en": "District 1",
                       "population": sum(f["properties"]["population"] for f in wards),
                       "population_year": 2019, "provenance": "real"},
        "geometry": mapping(union),
    }
    write_collection("district", [feature],
                     "District 1 outline, simplified from the government's boundary (7.9 km²).")


if __name__ == "__main__":
    write_district()
