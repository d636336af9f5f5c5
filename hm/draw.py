"""Garment pictures for the synthetic catalogue, in the style of the H&M packshots.

One garment, flat, on a light-grey studio background. The silhouette follows the product type,
the fabric's colour follows colour_group_name and its pattern graphical_appearance_name. Colour
variants of one product share its cut; every picture gets a little jitter of its own (placement,
scale, shade), so that alike articles look alike without being identical.

Drawn at SMALL (a quarter of the final size, still above the 224 px the embedder looks at), then
upscaled once and saved as a JPEG: about 27 ms of CPU a picture, most of it the upscale.
"""

from __future__ import annotations

import math
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = (1000, 1500)  # width, height of the saved JPEG
SMALL = (SIZE[0] // 4, SIZE[1] // 4)
QUALITY = 85
BACKGROUND = 236  # the grey of the studio sweep
WHITE = np.array([246.0, 246.0, 242.0])
INK = np.array([26.0, 28.0, 34.0])
YY, XX = np.mgrid[0 : SMALL[1], 0 : SMALL[0]].astype(np.float32)  # pixel rows and columns


class ImageSpec(NamedTuple):
    article_id: str
    product_code: str
    shape: str  # a key of SHAPES
    rgb: tuple[int, int, int]  # the colour group's colour
    appearance: str  # graphical_appearance_name
    seed: int


Part = tuple[str, list[tuple[float, float]]]  # ("poly", points), ("ellipse"|"ring", 2 corners)


def _top(p: dict[str, float], sleeve: float, hem: float, neck: float = 0.07) -> list[Part]:
    bw, c = p["bw"], 0.5
    sh = 0.15
    if sleeve <= 0:  # vest: straps and deep armholes
        pts = [
            (c - bw + 0.07, sh - 0.04), (c - bw + 0.11, sh - 0.04), (c, sh + neck),
            (c + bw - 0.11, sh - 0.04), (c + bw - 0.07, sh - 0.04), (c + bw, sh + 0.16),
            (c + bw, hem), (c - bw, hem), (c - bw, sh + 0.16),
        ]  # fmt: skip
        return [("poly", pts)]
    drop = 0.1 + sleeve * 0.6  # longer sleeves hang further down
    out = 0.08 + sleeve * 0.25
    pts = [
        (c - 0.07, sh - 0.03), (c, sh + neck * 0.5), (c + 0.07, sh - 0.03),
        (c + bw + 0.02, sh), (c + bw + out, sh + drop), (c + bw + out - 0.08, sh + drop + 0.03),
        (c + bw, sh + 0.15), (c + bw, hem), (c - bw, hem), (c - bw, sh + 0.15),
        (c - bw - out + 0.08, sh + drop + 0.03), (c - bw - out, sh + drop), (c - bw - 0.02, sh),
    ]  # fmt: skip
    return [("poly", pts)]


def _legs(p: dict[str, float], top: float, bottom: float, leg: float, flare: float) -> list[Part]:
    c, w = 0.5, p["bw"] - 0.02
    crotch = top + 0.2 + (bottom - top) * 0.05
    pts = [
        (c - w, top), (c + w, top), (c + w + flare, bottom), (c + w + flare - leg * 2, bottom),
        (c, crotch), (c - w - flare + leg * 2, bottom), (c - w - flare, bottom),
    ]  # fmt: skip
    return [("poly", pts)]


def _shape(shape: str, p: dict[str, float]) -> tuple[list[Part], list[Part]]:
    """Fabric parts and darker detail parts (openings, soles, bands) in unit coordinates."""
    c, bw, hem = 0.5, p["bw"], p["hem"]
    if shape == "vest":
        return _top(p, 0, hem), []
    if shape == "tee":
        return _top(p, 0.08 + p["var"] * 0.08, hem), []
    if shape == "longsleeve":
        return _top(p, 0.55 + p["var"] * 0.1, hem), [
            ("poly", [(c - 0.1, 0.11), (c + 0.1, 0.11), (c, 0.17)])
        ]
    if shape in ("jacket", "coat"):
        length = hem + (0.25 if shape == "coat" else 0.0)
        detail = [("poly", [(c - 0.006, 0.17), (c + 0.006, 0.17), (c + 0.006, length),
                            (c - 0.006, length)]),
                  ("poly", [(c - 0.07, 0.12), (c, 0.35), (c - 0.1, 0.2)]),
                  ("poly", [(c + 0.07, 0.12), (c, 0.35), (c + 0.1, 0.2)])]  # fmt: skip
        return _top(p, 0.6, min(length, 0.93)), detail
    if shape == "trousers":
        return _legs(p, 0.1, 0.92, 0.1 + p["var"] * 0.04, p["flare"]), [
            ("poly", [(c - bw + 0.02, 0.1), (c + bw - 0.02, 0.1), (c + bw - 0.02, 0.125),
                      (c - bw + 0.02, 0.125)])]  # fmt: skip
    if shape == "leggings":
        return _legs(p | {"bw": bw - 0.03}, 0.1, 0.92, 0.055, -0.04), []
    if shape == "shorts":
        return _legs(p, 0.2, 0.5 + p["var"] * 0.1, 0.14, 0.03), []
    if shape == "skirt":
        w = bw - 0.04
        bottom = 0.55 + p["var"] * 0.3
        flare = 0.04 + p["flare"] * 2
        return [("poly", [(c - w, 0.15), (c + w, 0.15), (c + w + flare, bottom),
                          (c - w - flare, bottom)])], []  # fmt: skip
    if shape == "dress":
        w = bw - 0.03
        top = _top(p, 0.0 if p["var"] < 0.5 else 0.08, 0.45)
        skirt = ("poly", [(c - w, 0.38), (c + w, 0.38), (c + w + 0.05 + p["flare"] * 2, 0.9),
                          (c - w - 0.05 - p["flare"] * 2, 0.9)])  # fmt: skip
        return [*top, skirt], []
    if shape == "jumpsuit":
        return [*_top(p, 0.1 + p["var"] * 0.5, 0.45), *_legs(p, 0.4, 0.92, 0.1, 0.02)], []
    if shape == "bodysuit":
        pts = [(c - bw, 0.3), (c + bw, 0.3), (c + bw, 0.58), (c + 0.06, 0.72), (c - 0.06, 0.72),
               (c - bw, 0.58)]  # fmt: skip
        return [*_top(p, 0.1 if p["var"] < 0.6 else 0.55, 0.5), ("poly", pts)], []
    if shape == "bra":
        cup = 0.09 + p["var"] * 0.03
        return [("ellipse", [(c - 0.01 - 2 * cup, 0.36), (c - 0.01, 0.52)]),
                ("ellipse", [(c + 0.01, 0.36), (c + 0.01 + 2 * cup, 0.52)]),
                ("poly", [(c - 0.22, 0.47), (c + 0.22, 0.47), (c + 0.22, 0.53),
                          (c - 0.22, 0.53)])], [
                ("poly", [(c - 0.12, 0.2), (c - 0.11, 0.2), (c - 0.1, 0.4), (c - 0.11, 0.4)]),
                ("poly", [(c + 0.11, 0.2), (c + 0.12, 0.2), (c + 0.11, 0.4), (c + 0.1, 0.4)]),
        ]  # fmt: skip
    if shape == "briefs":
        w = 0.18 + p["var"] * 0.04
        return [("poly", [(c - w, 0.38), (c + w, 0.38), (c + w - 0.04, 0.47), (c + 0.05, 0.6),
                          (c - 0.05, 0.6), (c - w + 0.04, 0.47)])], []  # fmt: skip
    if shape == "socks":
        parts: list[Part] = []
        for dx in (-0.09, 0.07):
            x = c + dx
            parts.append(("poly", [(x - 0.05, 0.2), (x + 0.04, 0.2), (x + 0.04, 0.6),
                                   (x + 0.13, 0.66), (x + 0.12, 0.74), (x - 0.02, 0.74),
                                   (x - 0.05, 0.66)]))  # fmt: skip
        return parts, []
    if shape in ("boots", "shoes"):
        shaft = 0.22 if shape == "boots" else 0.5
        pts = [(c - 0.2, shaft), (c - 0.02, shaft), (c + 0.02, 0.53), (c + 0.22, 0.6),
               (c + 0.25, 0.68), (c - 0.22, 0.68)]  # fmt: skip
        sole = [(c - 0.23, 0.66), (c + 0.26, 0.66), (c + 0.26, 0.7), (c - 0.23, 0.7)]
        return [("poly", pts)], [("poly", sole)]
    if shape == "bag":
        w = 0.16 + p["var"] * 0.06
        body = [(c - w, 0.42), (c + w, 0.42), (c + w + 0.02, 0.74), (c - w - 0.02, 0.74)]
        return [("poly", body)], [("ring", [(c - 0.1, 0.28), (c + 0.1, 0.56)])]
    if shape == "hat":
        r = 0.19 + p["var"] * 0.03
        dome = [(c + r * math.cos(a), 0.6 - 0.3 * math.sin(a)) for a in np.linspace(0, math.pi, 24)]
        e = r + 0.01  # the folded band stands a little proud of the crown
        band = [(c - e, 0.52), (c + e, 0.52), (c + e, 0.62), (c - e, 0.62)]
        return [("poly", dome)], [("poly", band)]
    if shape == "scarf":
        w = 0.11 + p["var"] * 0.06
        return [("poly", [(c - w, 0.08), (c + w, 0.1), (c + w - 0.02, 0.9),
                          (c - w - 0.02, 0.88)])], []  # fmt: skip
    raise ValueError(f"no silhouette for shape {shape!r}")


SHAPES = (
    "vest", "tee", "longsleeve", "jacket", "coat", "trousers", "leggings", "shorts", "skirt",
    "dress", "jumpsuit", "bodysuit", "bra", "briefs", "socks", "boots", "shoes", "bag", "hat",
    "scarf",
)  # fmt: skip


class Place(NamedTuple):
    """Unit point (x, y) goes to (0.5 + (x - cx) * scale + dx, 0.5 + (y - cy) * scale + dy)."""

    scale: float
    cx: float
    cy: float
    dx: float
    dy: float


def _fit(parts: list[Part], jitter: float, dx: float, dy: float) -> Place:
    """Centre the garment and let it fill most of the frame, as a packshot does."""
    xs = [x for _, pts in parts for x, _ in pts]
    ys = [y for _, pts in parts for _, y in pts]
    scale = min(0.8 / (max(xs) - min(xs)), 0.8 / (max(ys) - min(ys)), 2.0) * jitter
    return Place(scale, (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2, dx, dy)


def _mask(parts: list[Part], place: Place) -> np.ndarray:
    """Antialiased coverage in [0, 1] at SMALL size (drawn at twice the size, then reduced)."""
    w, h = SMALL[0] * 2, SMALL[1] * 2
    scale, cx, cy, dx, dy = place
    img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(img)
    for kind, pts in parts:
        xy = [((0.5 + (x - cx) * scale + dx) * w, (0.5 + (y - cy) * scale + dy) * h)
              for x, y in pts]  # fmt: skip
        if kind == "poly":
            draw.polygon(xy, fill=255)
            continue
        box = [min(xy[0][0], xy[1][0]), min(xy[0][1], xy[1][1]),
               max(xy[0][0], xy[1][0]), max(xy[0][1], xy[1][1])]  # fmt: skip
        if kind == "ellipse":
            draw.ellipse(box, fill=255)
        else:  # "ring"
            draw.ellipse(box, outline=255, width=max(2, round(w * 0.02)))
    return np.asarray(img.reduce(2), dtype=np.float32) / 255.0


def _contrast(base: np.ndarray) -> np.ndarray:
    lum = base @ np.array([0.299, 0.587, 0.114])
    return INK if lum > 150 else WHITE


def _fabric(appearance: str, base: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An (h, w, 3) float texture: the base colour with the article's pattern."""
    w, h = SMALL
    yy, xx = YY, XX
    tex = np.empty((h, w, 3), dtype=np.float32)
    tex[...] = base
    other = _contrast(base)

    def paint(where: np.ndarray, colour: np.ndarray, alpha: float = 1.0) -> None:
        tex[where] = tex[where] * (1 - alpha) + colour * alpha

    if appearance == "Stripe":
        period = rng.uniform(7, 16)
        duty = rng.uniform(0.2, 0.35)
        axis = xx if rng.random() < 0.2 else yy
        paint(((axis + rng.uniform(0, period)) % period) < period * duty, other)
    elif appearance == "Dot":
        step = rng.uniform(9, 15)
        r = step * rng.uniform(0.15, 0.25)
        oy = (yy % step) - step / 2
        ox = ((xx + (yy // step % 2) * step / 2) % step) - step / 2
        paint(ox * ox + oy * oy < r * r, other)
    elif appearance == "Check":
        step = rng.uniform(10, 20)
        band = step * 0.35
        hb, vb = (yy % step) < band, (xx % step) < band
        paint(hb ^ vb, other, 0.35)
        paint(hb & vb, other, 0.6)
    elif appearance == "Melange":
        noise = rng.normal(0, 1, (h, w, 1)).astype(np.float32)
        tex += noise * 16 + (noise > 1.6) * 30
    elif appearance == "Denim":
        twill = ((xx + yy) % 4 < 1.5).astype(np.float32)[..., None]
        fade = np.exp(-(((xx - w / 2) / (w * 0.2)) ** 2))[..., None]
        tex = tex * (1 - 0.1 * twill) + 28 * fade + rng.normal(0, 6, (h, w, 1))
    elif appearance == "All over pattern":
        img = Image.fromarray(tex.astype(np.uint8))
        draw = ImageDraw.Draw(img)
        accent = tuple(int(v) for v in np.clip(base * rng.uniform(0.5, 0.8) + 60, 0, 255))
        for colour in (tuple(int(v) for v in other), accent):
            for _ in range(int(w * h / 900)):
                x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(1.5, 4.5)
                draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        tex = np.array(img, dtype=np.float32)
    elif appearance in ("Placement print", "Front print"):
        cx, cy = w * 0.5, h * rng.uniform(0.3, 0.4)
        size = w * rng.uniform(0.07, 0.12)
        img = Image.fromarray(tex.astype(np.uint8))
        draw = ImageDraw.Draw(img)
        ink = tuple(int(v) for v in other)
        if rng.random() < 0.5:
            draw.ellipse([cx - size, cy - size, cx + size, cy + size], fill=ink)
        else:
            for i in range(3):  # lines of "text"
                y = cy - size + i * size * 0.8
                draw.rectangle([cx - size * 1.2, y, cx + size * 1.2, y + size * 0.45], fill=ink)
        tex = np.array(img, dtype=np.float32)
    elif appearance == "Colour blocking":
        cut = h * rng.uniform(0.4, 0.6)
        paint(yy > cut, np.clip(base * 0.45 + other * 0.55, 0, 255))
    elif appearance == "Lace":
        step = rng.uniform(4, 6)
        holes = ((xx % step) - step / 2) ** 2 + ((yy % step) - step / 2) ** 2 < (step * 0.3) ** 2
        paint(holes, np.full(3, float(BACKGROUND)), 0.35)
    elif appearance == "Jacquard":
        a, b = rng.uniform(5, 9, 2)
        motif = np.sin(xx / a) * np.sin(yy / b) > 0.35
        paint(motif, np.clip(base * 0.7 + other * 0.3, 0, 255))
    elif appearance == "Metallic":
        tex += (rng.random((h, w, 1)) > 0.97) * 70 + np.sin(xx / w * 6)[..., None] * 14
    return tex


def draw(spec: ImageSpec) -> Image.Image:
    product = np.random.default_rng([spec.seed, int(spec.product_code), 1])
    own = np.random.default_rng([spec.seed, int(spec.article_id), 2])
    cut = {
        "bw": product.uniform(0.17, 0.22),
        "hem": product.uniform(0.55, 0.68),
        "var": product.uniform(0, 1),
        "flare": product.uniform(0, 0.05),
    }
    for key in ("bw", "hem"):  # the article's own small departure from the product's cut
        cut[key] += own.uniform(-0.008, 0.008)
    fabric_parts, detail_parts = _shape(spec.shape, cut)
    jitter = own.uniform(0.95, 1.03), own.uniform(-0.02, 0.02), own.uniform(-0.015, 0.015)
    place = _fit(fabric_parts + detail_parts, *jitter)

    w, h = SMALL
    base = np.array(spec.rgb, dtype=np.float32) * own.uniform(0.94, 1.06) + own.normal(0, 3, 3)
    # The pattern's geometry belongs to the product: its colour variants share stripes and dots.
    look = np.random.default_rng(
        [spec.seed, int(spec.product_code), zlib.crc32(spec.appearance.encode())]
    )
    tex = _fabric(spec.appearance, np.clip(base, 0, 255), look)
    # Soft light from above and a few vertical folds, as on a hung garment.
    yy, xx = YY, XX
    folds = np.sin(xx / w * own.uniform(8, 14) + own.uniform(0, 6)) * 0.03
    light = (1.04 - 0.08 * yy / h + folds)[..., None]

    cover = _mask(fabric_parts, place)[..., None]
    detail = _mask(detail_parts, place)[..., None] if detail_parts else None
    if detail is not None:  # soles, bands, handles: darker, and part of the garment
        cover = np.maximum(cover, detail)
    grey = BACKGROUND + own.uniform(-4, 3)
    bg = (grey - 10 * yy / h)[..., None] * (1 - 0.12 * _shadow(cover))
    garment = tex * light
    if detail is not None:
        garment = garment * (1 - 0.3 * detail)
    out = bg * (1 - cover) + garment * cover
    img = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "RGB")
    return img.resize(SIZE, Image.Resampling.BILINEAR)


def _shadow(cover: np.ndarray) -> np.ndarray:
    """The soft shadow the garment casts on the sweep: its coverage blurred, shifted down-right."""
    img = Image.fromarray((cover[..., 0] * 255).astype(np.uint8))
    img = img.filter(ImageFilter.GaussianBlur(6))
    img = img.transform(SMALL, Image.Transform.AFFINE, (1, 0, -3, 0, 1, -5))
    return np.asarray(img, dtype=np.float32)[..., None] / 255.0


def render(spec_and_path: tuple[ImageSpec, Path]) -> None:
    spec, path = spec_and_path
    path.parent.mkdir(parents=True, exist_ok=True)
    draw(spec).save(path, "JPEG", quality=QUALITY)
