"""Build MapLibre SDF glyph files (public/glyphs/<fontstack>/<start>-<end>.pbf) from a TrueType font.

MapLibre draws text only from such files and the app must work with no internet, so the project ships
them. The ranges cover Basic Latin, Latin-1, Latin Extended-A/B (ă, đ, ơ, ư), combining marks, Latin
Extended Additional (the precomposed Vietnamese letters: ạ, ế, ữ, …) and general punctuation.

Method: render each glyph with FreeType at 4× the 24 px glyph size, compute an exact signed Euclidean
distance field there, sample it down to 24 px, and encode as MapLibre expects (3 px border, radius 8,
cutoff 0.25, so the outline sits at value 191).

    pip install freetype-py numpy scipy
    python3 tools/glyphs/make_glyphs.py /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf NotoSans-Regular
"""
import sys
from pathlib import Path

import freetype
import numpy as np
from scipy.ndimage import distance_transform_edt

SIZE, BUFFER, RADIUS, CUTOFF, SCALE = 24, 3, 8.0, 0.25, 4
RANGES = [0, 256, 512, 768, 7680, 8192]


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, payload):
    return varint((num << 3) | wire) + payload


def f_uint(num, v):
    return field(num, 0, varint(v))


def f_sint(num, v):
    return field(num, 0, varint((v << 1) ^ (v >> 31) if v < 0 else v << 1))


def f_bytes(num, b):
    return field(num, 2, varint(len(b)) + b)


def glyph_sdf(face, code):
    if face.get_char_index(code) == 0:
        return None
    face.set_pixel_sizes(0, SIZE * SCALE)
    face.load_char(code, freetype.FT_LOAD_RENDER)
    g = face.glyph
    bm = g.bitmap
    advance = round(g.advance.x / 64 / SCALE)
    w_hi, h_hi = bm.width, bm.rows
    if w_hi == 0 or h_hi == 0:
        return dict(id=code, width=0, height=0, left=0, top=-SIZE, advance=advance, bitmap=b"")
    left, top = g.bitmap_left / SCALE, g.bitmap_top / SCALE
    w, h = int(np.ceil(w_hi / SCALE)), int(np.ceil(h_hi / SCALE))
    pad = BUFFER * SCALE
    canvas = np.zeros((h * SCALE + 2 * pad, w * SCALE + 2 * pad))
    canvas[pad:pad + h_hi, pad:pad + w_hi] = np.array(bm.buffer, dtype=float).reshape(h_hi, bm.pitch)[:, :w_hi] / 255
    inside = canvas > 0.5
    dist = (distance_transform_edt(~inside) - distance_transform_edt(inside)) / SCALE  # + outside, px at 24
    # sample the centre of each 24 px pixel
    off = SCALE // 2
    d = dist[off::SCALE, off::SCALE][: h + 2 * BUFFER, : w + 2 * BUFFER]
    vals = np.clip(np.round(255 - 255 * (d / RADIUS + CUTOFF)), 0, 255).astype(np.uint8)
    return dict(id=code, width=w, height=h, left=int(round(left)), top=int(round(top)) - 26, advance=advance,
                bitmap=vals.tobytes())


def encode(name, start, glyphs):
    body = f_bytes(1, name.encode()) + f_bytes(2, f"{start}-{start + 255}".encode())
    for g in glyphs:
        gb = f_uint(1, g["id"])
        if g["bitmap"]:
            gb += f_bytes(2, g["bitmap"])
        gb += f_uint(3, g["width"]) + f_uint(4, g["height"]) + f_sint(5, g["left"]) + f_sint(6, g["top"])
        gb += f_uint(7, g["advance"])
        body += f_bytes(3, gb)
    return f_bytes(1, body)


def main(font_path, name):
    face = freetype.Face(font_path)
    out = Path(__file__).resolve().parents[2] / "public" / "glyphs" / name
    out.mkdir(parents=True, exist_ok=True)
    for start in RANGES:
        glyphs = [g for g in (glyph_sdf(face, c) for c in range(start, start + 256)) if g]
        (out / f"{start}-{start + 255}.pbf").write_bytes(encode(name, start, glyphs))
        print(f"{name} {start}-{start + 255}: {len(glyphs)} glyphs")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
