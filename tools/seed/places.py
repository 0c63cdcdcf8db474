"""Generate cameras, recorders and places of interest for District 1 from wards.geojson and streets.geojson.

Deterministic (fixed random seed): running it again gives the same files.
- 7 long-range cameras at the landmarks named in the foundation issue (real positions).
- 10 vehicle cameras, one per ward patrol vehicle, no recorder.
- 1,115 fixed cameras along the streets, more per ward where more people live, on 128 recorders.
- Schools, clinics/hospitals, tourism places and fire stations. `provenance` is `real` only where the
  position is a published fact; a real name whose position was placed by this script is `synthetic`.
"""
import json
import random

import numpy as np
from shapely.geometry import Point, shape
import shapely

from geo import DATA, geom_to_lonlat, to_lonlat, to_xy

FIXED_CAMERAS = 1115
RECORDERS = 128
rng = random.Random(20201)


def load(name):
    return json.loads((DATA / f"{name}.geojson").read_text())["features"]


def xy(geom):
    from geo import KX, KY, LAT0, LON0
    return shapely.transform(geom, lambda c: np.column_stack(((c[:, 0] - LON0) * KX, (c[:, 1] - LAT0) * KY)))


WARDS = [(f["id"], f["properties"], xy(shape(f["geometry"]))) for f in load("wards")]
STREETS = [(f["id"], f["properties"], xy(shape(f["geometry"]))) for f in load("streets")]
DISTRICT = xy(shape(load("district")[0]["geometry"]))


def ward_of(p):
    for code, props, g in WARDS:
        if g.contains(p):
            return code
    raise ValueError(f"point {p} is in no ward")


def point_feature(fid, props, p):
    lon, lat = to_lonlat(p.x, p.y)
    return {"type": "Feature", "id": fid, "properties": props, "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def street_pieces(ward_geom):
    """(street props, piece) for each street piece inside the ward (2 m inside, so points stay in it)."""
    inner = ward_geom.buffer(-2)
    out = []
    for sid, props, g in STREETS:
        piece = g.intersection(inner)
        for part in getattr(piece, "geoms", [piece]):
            if part.geom_type == "LineString" and part.length > 5:
                out.append((props, part))
    return out


def sample_along(pieces, n, lateral):
    """n points spread evenly (with jitter) along the pieces, each up to `lateral` metres off the line."""
    total = sum(p.length for _, p in pieces)
    step = total / n
    pts = []
    for k in range(n):
        s = (k + 0.5 + rng.uniform(-0.3, 0.3)) * step
        for props, piece in pieces:
            if s <= piece.length:
                a = piece.interpolate(max(s - 1, 0))
                b = piece.interpolate(min(s + 1, piece.length))
                d = np.array([b.x - a.x, b.y - a.y])
                d = d / (np.linalg.norm(d) or 1)
                off = rng.uniform(-lateral, lateral)
                c = piece.interpolate(s)
                pts.append((props, Point(c.x - d[1] * off, c.y + d[0] * off)))
                break
            s -= piece.length
    return pts


def allocate(total, weights):
    """Split `total` into integers proportional to weights (largest remainder)."""
    w = np.array(weights, dtype=float) / sum(weights)
    raw = w * total
    base = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - base))[: total - base.sum()]:
        base[i] += 1
    return base.tolist()


LANDMARKS = [
    ("Nhà thờ Đức Bà", "Notre-Dame Cathedral", (10.77979, 106.69899)),
    ("Vòng xoay Lê Duẩn (Công xã Paris)", "Le Duan roundabout (Paris Commune Square)", (10.77930, 106.69950)),
    ("Khách sạn Rex", "Rex Hotel", (10.77583, 106.70150)),
    ("Tổng Lãnh sự quán Hoa Kỳ", "US Consulate General", (10.78318, 106.70043)),
    ("Tổng Lãnh sự quán Trung Quốc", "Chinese Consulate General", None),
    ("Thảo Cầm Viên", "Saigon Zoo and Botanical Gardens", (10.78806, 106.70472)),
    ("Tượng đài Trần Hưng Đạo (Quảng trường Mê Linh)", "Tran Hung Dao statue (Me Linh Square)", (10.77528, 106.70639)),
]


def chinese_consulate_camera():
    """175 Hai Bà Trưng is across the street, in District 3: put the camera on the District 1 kerb."""
    target = Point(to_xy(10.78380, 106.69720))
    edge = DISTRICT.exterior.interpolate(DISTRICT.exterior.project(target))
    inside = DISTRICT.buffer(-8)
    for ang in np.linspace(0, 2 * np.pi, 72, endpoint=False):
        p = Point(edge.x + np.cos(ang) * 12, edge.y + np.sin(ang) * 12)
        if inside.contains(p):
            return p
    raise SystemExit("no District 1 kerb near the Chinese consulate")


def cameras_and_recorders():
    cams, recs = [], []
    n = 0

    def cam_id():
        nonlocal n
        n += 1
        return f"cam-{n:04d}"

    for vi, en, pos in LANDMARKS:
        p = chinese_consulate_camera() if pos is None else Point(to_xy(*pos))
        cams.append(dict(id=cam_id(), kind="long_range", name_vi=f"Camera tầm xa {vi}", name_en=f"Long-range camera, {en}",
                         landmark_vi=vi, landmark_en=en, p=p, provenance="real" if pos else "synthetic"))
    for code, props, g in WARDS:
        (sp, p), = sample_along(street_pieces(g), 1, 0)
        cams.append(dict(id=cam_id(), kind="vehicle", name_vi=f"Camera xe tuần tra {props['name_vi']}",
                         name_en=f"Patrol vehicle camera, {props['name_en']}", p=p, provenance="synthetic"))
    pieces = {code: street_pieces(g) for code, _, g in WARDS}
    lengths = [sum(p.length for _, p in pieces[code]) for code, _, _ in WARDS]
    pops = [props["population"] for _, props, _ in WARDS]
    # More cameras where more people live, tempered by how much street the ward has to put them on.
    weights = [0.7 * p / sum(pops) + 0.3 * l / sum(lengths) for p, l in zip(pops, lengths)]
    per_ward = allocate(FIXED_CAMERAS, weights)
    recs_per_ward = allocate(RECORDERS, per_ward)
    rec_no = 0
    for (code, props, g), ncam, nrec in zip(WARDS, per_ward, recs_per_ward):
        pts = sample_along(pieces[code], ncam, 6)
        groups = allocate(ncam, [1] * nrec)
        start = 0
        for size in groups:
            rec_no += 1
            rid = f"nvr-{rec_no:03d}"
            members = pts[start:start + size]
            start += size
            cx = np.mean([p.x for _, p in members])
            cy = np.mean([p.y for _, p in members])
            site = Point(cx, cy)
            if not g.contains(site):
                site = members[len(members) // 2][1]
            recs.append(point_feature(rid, {"name_vi": f"Đầu ghi {props['name_vi']} số {rec_no:03d}",
                                            "name_en": f"Recorder {rec_no:03d}, {props['name_en']}",
                                            "ward_code": code, "channels": 16, "provenance": "synthetic"}, site))
            for k, (sprops, p) in enumerate(members, start=1):
                cams.append(dict(id=cam_id(), kind="fixed", recorder=rid,
                                 name_vi=f"Camera {sprops['name_vi']} ({rid} kênh {k})",
                                 name_en=f"{sprops['name_en']} camera ({rid} channel {k})",
                                 street_vi=sprops["name_vi"], p=p, provenance="synthetic"))
    # Long-range cameras record on the nearest recorder in their ward.
    for c in cams:
        if c["kind"] == "long_range":
            ward = ward_of(c["p"])
            near = [r for r in recs if r["properties"]["ward_code"] == ward]
            near.sort(key=lambda r: Point(to_xy(r["geometry"]["coordinates"][1], r["geometry"]["coordinates"][0])).distance(c["p"]))
            c["recorder"] = near[0]["id"]
    feats = []
    for c in cams:
        props = {k: v for k, v in c.items() if k not in ("id", "p")}
        props.setdefault("recorder", None)
        props["ward_code"] = ward_of(c["p"])
        props["stream_path"] = c["id"]  # joined to the configured RTSP base URL at load time
        feats.append(point_feature(c["id"], props, c["p"]))
    return feats, recs


# category, name_vi, name_en, ward code, (lat, lon) when the position is a published fact, else None
PLACES = [
    ("tourism", "Nhà thờ Đức Bà Sài Gòn", "Saigon Notre-Dame Cathedral Basilica", "26740", (10.77979, 106.69899)),
    ("tourism", "Bưu điện Trung tâm Sài Gòn", "Saigon Central Post Office", "26740", (10.77949, 106.69999)),
    ("tourism", "Dinh Độc Lập", "Independence Palace", "26743", (10.77694, 106.69528)),
    ("tourism", "Chợ Bến Thành", "Ben Thanh Market", "26743", (10.77252, 106.69802)),
    ("tourism", "Trụ sở UBND Thành phố (Dinh Xã Tây)", "City Hall (People's Committee building)", "26740", (10.77639, 106.70111)),
    ("tourism", "Nhà hát Thành phố", "Saigon Opera House", "26740", (10.77667, 106.70306)),
    ("tourism", "Phố đi bộ Nguyễn Huệ", "Nguyen Hue Walking Street", "26740", (10.77411, 106.70362)),
    ("tourism", "Tháp Bitexco", "Bitexco Financial Tower", "26740", (10.77160, 106.70463)),
    ("tourism", "Công viên Tao Đàn", "Tao Dan Park", "26743", (10.77444, 106.69250)),
    ("tourism", "Thảo Cầm Viên Sài Gòn", "Saigon Zoo and Botanical Gardens", "26740", (10.78806, 106.70472)),
    ("tourism", "Khách sạn Rex", "Rex Hotel", "26740", (10.77583, 106.70150)),
    ("tourism", "Tượng đài Trần Hưng Đạo", "Tran Hung Dao Statue", "26740", (10.77528, 106.70639)),
    ("tourism", "Bảo tàng Thành phố Hồ Chí Minh", "Ho Chi Minh City Museum", "26740", None),
    ("tourism", "Bảo tàng Mỹ thuật Thành phố", "Fine Arts Museum", "26746", None),
    ("tourism", "Bảo tàng Lịch sử Việt Nam", "Museum of Vietnamese History", "26740", None),
    ("tourism", "Bến Bạch Đằng", "Bach Dang Wharf", "26740", None),
    ("tourism", "Đường sách Nguyễn Văn Bình", "Nguyen Van Binh Book Street", "26740", None),
    ("tourism", "Phố đi bộ Bùi Viện", "Bui Vien Walking Street", "26749", None),
    ("tourism", "Công viên 23 Tháng 9", "September 23rd Park", "26749", None),
    ("tourism", "Chợ Tân Định", "Tan Dinh Market", "26734", None),
    ("tourism", "Chùa Ngọc Hoàng", "Jade Emperor Pagoda", "26737", None),
    ("tourism", "Thánh đường Hồi giáo Trung tâm Sài Gòn", "Saigon Central Mosque", "26740", None),
    ("tourism", "Bảo tàng Tôn Đức Thắng", "Ton Duc Thang Museum", "26740", None),
    ("tourism", "Khách sạn Continental", "Hotel Continental Saigon", "26740", None),
    ("school", "Trường THPT Trưng Vương", "Trung Vuong High School", "26740", None),
    ("school", "Trường THPT Bùi Thị Xuân", "Bui Thi Xuan High School", "26749", None),
    ("school", "Trường THPT Ten Lơ Man", "Ten Lo Man High School", "26752", None),
    ("school", "Trường THPT Lương Thế Vinh", "Luong The Vinh High School", "26755", None),
    ("school", "Trường THPT Năng khiếu TDTT", "Sports High School", "26758", None),
    ("school", "Trường THCS Văn Lang", "Van Lang Secondary School", "26761", None),
    ("school", "Trường THCS Minh Đức", "Minh Duc Secondary School", "26746", None),
    ("school", "Trường THCS Đức Trí", "Duc Tri Secondary School", "26758", None),
    ("school", "Trường THCS Trần Văn Ơn", "Tran Van On Secondary School", "26737", None),
    ("school", "Trường THCS Võ Trường Toản", "Vo Truong Toan Secondary School", "26740", None),
    ("school", "Trường THCS Huỳnh Khương Ninh", "Huynh Khuong Ninh Secondary School", "26737", None),
    ("school", "Trường THCS Chu Văn An", "Chu Van An Secondary School", "26761", None),
    ("school", "Trường THCS Nguyễn Du", "Nguyen Du Secondary School", "26743", None),
    ("school", "Trường Tiểu học Lê Ngọc Hân", "Le Ngoc Han Primary School", "26740", None),
    ("school", "Trường Tiểu học Trần Hưng Đạo", "Tran Hung Dao Primary School", "26755", None),
    ("school", "Trường Tiểu học Nguyễn Bỉnh Khiêm", "Nguyen Binh Khiem Primary School", "26737", None),
    ("school", "Trường Tiểu học Kết Đoàn", "Ket Doan Primary School", "26749", None),
    ("school", "Trường Tiểu học Đinh Tiên Hoàng", "Dinh Tien Hoang Primary School", "26737", None),
    ("school", "Trường Tiểu học Hòa Bình", "Hoa Binh Primary School", "26740", None),
    ("school", "Trường Tiểu học Nguyễn Thái Học", "Nguyen Thai Hoc Primary School", "26752", None),
    ("school", "Trường Tiểu học Phan Văn Trị", "Phan Van Tri Primary School", "26758", None),
    ("school", "Trường Tiểu học Trần Quang Khải", "Tran Quang Khai Primary School", "26734", None),
    ("school", "Trường Tiểu học Khai Minh", "Khai Minh Primary School", "26746", None),
    ("school", "Trường Tiểu học Chương Dương", "Chuong Duong Primary School", "26761", None),
    ("school", "Trường Mầm non Tân Định", "Tan Dinh Kindergarten", "26734", None),
    ("school", "Trường Mầm non Bến Thành", "Ben Thanh Kindergarten", "26743", None),
    ("hospital", "Bệnh viện Nhi Đồng 2", "Children's Hospital 2", "26740", None),
    ("hospital", "Bệnh viện Sài Gòn", "Saigon General Hospital", "26743", None),
    ("hospital", "Bệnh viện Quận 1", "District 1 Hospital", "26734", None),
    ("hospital", "Bệnh viện Răng Hàm Mặt Thành phố", "City Odonto-Stomatology Hospital", "26755", None),
    ("hospital", "Bệnh viện Phụ sản Quốc tế Sài Gòn", "Saigon International Obstetrics Hospital", "26749", None),
    ("hospital", "Bệnh viện Columbia Asia Sài Gòn", "Columbia Asia Saigon Hospital", "26740", None),
    ("clinic", "Trung tâm Y tế Quận 1", "District 1 Health Centre", "26737", None),
    ("clinic", "Phòng khám Family Medical Practice", "Family Medical Practice clinic", "26740", None),
    ("clinic", "Phòng khám Victoria Healthcare", "Victoria Healthcare clinic", "26737", None),
    ("clinic", "Phòng khám Đa khoa Cô Giang", "Co Giang General Clinic", "26755", None),
] + [
    ("clinic", f"Trạm Y tế {vi}", f"{en} Health Station", code, None)
    for code, vi, en in [("26734", "Phường Tân Định", "Tan Dinh Ward"), ("26737", "Phường Đa Kao", "Da Kao Ward"),
                         ("26740", "Phường Bến Nghé", "Ben Nghe Ward"), ("26743", "Phường Bến Thành", "Ben Thanh Ward"),
                         ("26746", "Phường Nguyễn Thái Bình", "Nguyen Thai Binh Ward"), ("26749", "Phường Phạm Ngũ Lão", "Pham Ngu Lao Ward"),
                         ("26752", "Phường Cầu Ông Lãnh", "Cau Ong Lanh Ward"), ("26755", "Phường Cô Giang", "Co Giang Ward"),
                         ("26758", "Phường Nguyễn Cư Trinh", "Nguyen Cu Trinh Ward"), ("26761", "Phường Cầu Kho", "Cau Kho Ward")]
] + [
    ("fire_station", "Đội Cảnh sát PCCC và CNCH Quận 1", "District 1 Fire and Rescue Team", "26740", None),
    ("fire_station", "Tổ chữa cháy Tân Định", "Tan Dinh Fire Post", "26734", None),
]

PREFIX = {"tourism": "tou", "school": "sch", "hospital": "hos", "clinic": "cli", "fire_station": "fir"}


def places():
    feats, counts = [], {}
    ward_geom = {code: g for code, _, g in WARDS}
    for cat, vi, en, code, pos in PLACES:
        counts[cat] = counts.get(cat, 0) + 1
        fid = f"{PREFIX[cat]}-{counts[cat]:03d}"
        if pos:
            p = Point(to_xy(*pos))
        else:
            # a point 15-35 m off a street of the ward, inside the ward
            while True:
                (_, p), = sample_along(street_pieces(ward_geom[code]), 1, 0)
                ang = rng.uniform(0, 2 * np.pi)
                p = Point(p.x + np.cos(ang) * rng.uniform(15, 35), p.y + np.sin(ang) * rng.uniform(15, 35))
                if ward_geom[code].buffer(-5).contains(p):
                    break
        if ward_of(p) != code:
            raise SystemExit(f"{vi} is not in ward {code}")
        feats.append(point_feature(fid, {"category": cat, "name_vi": vi, "name_en": en, "ward_code": code,
                                         "provenance": "real" if pos else "synthetic"}, p))
    return feats


def main():
    from geo import write_collection
    cams, recs = cameras_and_recorders()
    write_collection("cameras", cams, "District 1 cameras: landmark long-range cameras at real positions; fixed "
                     "and vehicle cameras placed by tools/seed/places.py along the approximate streets.")
    write_collection("recorders", recs, "Recorders (NVRs) of the fixed cameras, placed by tools/seed/places.py.")
    write_collection("places", places(), "Places of interest. provenance=real: published position; synthetic: "
                     "a real name placed in its ward by tools/seed/places.py, position approximate.")


if __name__ == "__main__":
    main()
