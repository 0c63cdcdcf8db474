"""Author District 1 street centrelines (approximate, from each street's known course) as GeoJSON.

Each street is a handful of (lat, lon) points along its course, clipped to the district outline. Streets
that run on the district boundary (Hai Bà Trưng in Tân Định, Võ Văn Kiệt on the Bến Nghé canal) are drawn
a few metres inside it so that what lies along them lies in District 1.
Approximate: good for a map at district scale and for placing cameras along streets, not for routing.
"""
import json

from shapely.geometry import LineString, MultiLineString, Point

from geo import DATA, OUTLINE_LATLON, geom_to_lonlat, outline_xy, to_xy, write_collection

# name_vi, name_en, main (named in the foundation issue), [(lat, lon), ...]
STREETS = [
    ("Lê Duẩn", "Le Duan Boulevard", True, [(10.7779, 106.6961), (10.7796, 106.6993), (10.7826, 106.7031), (10.7866, 106.7066)]),
    ("Đồng Khởi", "Dong Khoi Street", True, [(10.7795, 106.6997), (10.7768, 106.7024), (10.7745, 106.7046), (10.7733, 106.7062)]),
    ("Nguyễn Huệ", "Nguyen Hue Boulevard", True, [(10.7760, 106.7012), (10.7740, 106.7036), (10.7718, 106.7061)]),
    ("Lê Lợi", "Le Loi Boulevard", True, [(10.7726, 106.6985), (10.7745, 106.7008), (10.7765, 106.7029)]),
    ("Lê Thánh Tôn", "Le Thanh Ton Street", True, [(10.7738, 106.6958), (10.7760, 106.6985), (10.7778, 106.7007), (10.7797, 106.7030), (10.7820, 106.7058)]),
    ("Hàm Nghi", "Ham Nghi Boulevard", True, [(10.7713, 106.6988), (10.7712, 106.7020), (10.7713, 106.7048), (10.7714, 106.7065)]),
    ("Tôn Đức Thắng", "Ton Duc Thang Street", True, [(10.7694, 106.7062), (10.7715, 106.7067), (10.7745, 106.7069), (10.7790, 106.7073), (10.7830, 106.7070), (10.7866, 106.7072)]),
    ("Hai Bà Trưng", "Hai Ba Trung Street", True, [(10.7745, 106.7055), (10.7790, 106.7012), (10.78306, 106.69803), (10.78780, 106.69200), (10.79240, 106.68625)]),
    ("Nguyễn Du", "Nguyen Du Street", True, [(10.7735, 106.6920), (10.7772, 106.6965), (10.7790, 106.6988), (10.7812, 106.7015), (10.7840, 106.7050)]),
    ("Nam Kỳ Khởi Nghĩa", "Nam Ky Khoi Nghia Street", True, [(10.7713, 106.6996), (10.7752, 106.6967), (10.7790, 106.6936), (10.7825, 106.6908)]),
    ("Pasteur", "Pasteur Street", True, [(10.7712, 106.7010), (10.7760, 106.6977), (10.7800, 106.6947), (10.7830, 106.6922)]),
    ("Nguyễn Thị Minh Khai", "Nguyen Thi Minh Khai Street", True, [(10.7872, 106.7030), (10.7840, 106.6995), (10.7800, 106.6950), (10.7765, 106.6912), (10.7735, 106.6882)]),
    ("Cách Mạng Tháng Tám", "Cach Mang Thang Tam Street", True, [(10.7712, 106.6937), (10.7745, 106.6912), (10.7778, 106.6887)]),
    ("Trương Định", "Truong Dinh Street", True, [(10.7722, 106.6962), (10.7760, 106.6936), (10.7790, 106.6910)]),
    ("Phạm Ngũ Lão", "Pham Ngu Lao Street", True, [(10.7700, 106.6964), (10.7684, 106.6933), (10.7672, 106.6905)]),
    ("Trần Hưng Đạo", "Tran Hung Dao Street", True, [(10.7708, 106.6982), (10.7660, 106.6947), (10.7620, 106.6912), (10.7585, 106.6881), (10.7560, 106.6860)]),
    ("Nguyễn Trãi", "Nguyen Trai Street", True, [(10.7700, 106.6930), (10.7660, 106.6893), (10.7625, 106.6860), (10.7600, 106.6840)]),
    ("Võ Văn Kiệt", "Vo Van Kiet Boulevard", True, None),  # along the canal, see boundary_street()
    ("Điện Biên Phủ", "Dien Bien Phu Street", True, [(10.7902, 106.7045), (10.7893, 106.7005), (10.7885, 106.6968), (10.7878, 106.6930)]),
    ("Đinh Tiên Hoàng", "Dinh Tien Hoang Street", True, [(10.7848, 106.7022), (10.7885, 106.6998), (10.7930, 106.6972)]),
    ("Nguyễn Bỉnh Khiêm", "Nguyen Binh Khiem Street", True, [(10.7845, 106.7055), (10.7880, 106.7042), (10.7915, 106.7030)]),
    ("Lê Lai", "Le Lai Street", True, [(10.7722, 106.6972), (10.7712, 106.6948), (10.7706, 106.6933)]),
    ("Cống Quỳnh", "Cong Quynh Street", True, [(10.7678, 106.6903), (10.7645, 106.6882), (10.7613, 106.6862)]),
    ("Bùi Viện", "Bui Vien Street", True, [(10.7673, 106.6947), (10.7661, 106.6925), (10.7651, 106.6905)]),
    # Ward streets, so that every ward has cameras along its own streets.
    ("Trần Quang Khải", "Tran Quang Khai Street", False, [(10.7921, 106.6878), (10.7918, 106.6908), (10.7913, 106.6945)]),
    ("Đinh Công Tráng", "Dinh Cong Trang Street", False, [(10.7900, 106.6905), (10.7925, 106.6918), (10.7948, 106.6925)]),
    ("Trần Nhật Duật", "Tran Nhat Duat Street", False, [(10.7948, 106.6890), (10.7930, 106.6905), (10.7905, 106.6930)]),
    ("Mạc Đĩnh Chi", "Mac Dinh Chi Street", False, [(10.7826, 106.6998), (10.7860, 106.6978), (10.7895, 106.6960)]),
    ("Nguyễn Đình Chiểu", "Nguyen Dinh Chieu Street", False, [(10.7878, 106.7018), (10.7862, 106.6985), (10.7848, 106.6955)]),
    ("Đề Thám", "De Tham Street", False, [(10.7688, 106.6951), (10.7650, 106.6960), (10.7612, 106.6968)]),
    ("Cô Giang", "Co Giang Street", False, [(10.7640, 106.6960), (10.7618, 106.6935), (10.7598, 106.6912)]),
    ("Nguyễn Thái Học", "Nguyen Thai Hoc Street", False, [(10.7696, 106.6978), (10.7660, 106.6986), (10.7627, 106.6993)]),
    ("Nguyễn Thái Bình", "Nguyen Thai Binh Street", False, [(10.7708, 106.7006), (10.7688, 106.7010), (10.7668, 106.7012)]),
    ("Calmette", "Calmette Street", False, [(10.7708, 106.7022), (10.7688, 106.7030), (10.7665, 106.7036)]),
    ("Nguyễn Cư Trinh", "Nguyen Cu Trinh Street", False, [(10.7652, 106.6893), (10.7635, 106.6868), (10.7620, 106.6845)]),
    ("Trần Đình Xu", "Tran Dinh Xu Street", False, [(10.7655, 106.6885), (10.7615, 106.6892), (10.7575, 106.6900)]),
    ("Nguyễn Văn Cừ", "Nguyen Van Cu Street", False, [(10.7602, 106.6845), (10.7580, 106.6862), (10.7560, 106.6878)]),
]


def boundary_street(latlon_points, offset_m, region):
    """A street running along the outline, drawn offset_m metres inside it."""
    line = LineString([to_xy(lat, lon) for lat, lon in latlon_points])
    for d in (offset_m, -offset_m):
        cand = line.offset_curve(d)
        if region.contains(cand.interpolate(0.5, normalized=True)):
            return cand
    raise ValueError("no side of the line is inside the outline")


def build():
    region = outline_xy()
    inner = region.buffer(-3)
    out = []
    for i, (vi, en, main, pts) in enumerate(STREETS, start=1):
        if pts is None:
            line = boundary_street([OUTLINE_LATLON[9], OUTLINE_LATLON[10], OUTLINE_LATLON[11]], 18, region)
        else:
            line = LineString([to_xy(lat, lon) for lat, lon in pts])
        clipped = line.intersection(inner)
        if clipped.is_empty:
            raise SystemExit(f"{vi} lies outside the district")
        if clipped.geom_type == "LineString":
            clipped = MultiLineString([clipped])
        out.append((f"st-{i:03d}", vi, en, main, clipped))
    return out


def main():
    feats = []
    for sid, vi, en, main, geom in build():
        feats.append({"type": "Feature", "id": sid,
                      "properties": {"name_vi": vi, "name_en": en, "main": main,
                                     "length_m": round(geom.length), "provenance": "synthetic"},
                      "geometry": geom_to_lonlat(geom)})
    write_collection("streets", feats,
                     "Approximate street centrelines of District 1 authored by tools/seed/streets.py from each "
                     "street's known course; not survey data.")


if __name__ == "__main__":
    main()
