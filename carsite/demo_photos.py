"""Photos for the demo cars, drawn rather than downloaded: a low-poly car of the listing's body type and colour,
from the front three-quarter, the side and the rear three-quarter, and (for most cars) a dashboard shot, in one of
several scenes (showroom, street, studio, countryside, dealer forecourt), with floor reflections, soft shadows and
wheels with rims.

A demo photo is an ordinary ``car_photos`` row, so the gallery, the cards, the 20-photo trigger and deleting work
as for uploads. Its 32-hex file name *describes* the picture: a fixed prefix, the drawing's version, body, colour,
angle, scene, a seed made from the car id, and a check. Seeding draws nothing (it inserts rows: a few hundred
milliseconds for the 400 demo cars). The photo route, finding no upload of that name, asks
``selling.photos.drawn``, which draws the picture on its first request (a tenth of a second or so for a
thumbnail, half a second for the large size), keeps it under ``<UPLOAD_DIR>/demo/`` and serves it from there
ever after. No file is shared: each car's names are its own (the seed is its id), so deleting one car's photo
(which removes that name's files) cannot touch another car's pictures.

Drawing: Pillow polygons at twice the output size, reduced by two for anti-aliasing. The car is a few extruded
profiles (lower body with a rounded skin, glasshouse) projected by a small perspective camera and painted back to
front; the paint is shaded in cells, so the sides catch the sky above the shoulder line and the ground below it.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import os
import random
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from . import db

PREFIX = "d0d0ca75"  # marks a demo photo's name; an upload's random name starts so once in four billion
VERSION = 1  # bump when the drawing changes, so cached files are drawn again
NAME = re.compile(rf"{PREFIX}([0-9a-f])([0-9a-f])([0-9a-f]{{2}})([0-9a-f])([0-9a-f])([0-9a-f]{{8}})([0-9a-f]{{10}})")
SIZES = {"thumb": (640, 480), "large": (1200, 900)}
LARGE = SIZES["large"]
ANGLES = ("front", "side", "rear", "interior")
SCENES = ("showroom", "street", "studio", "country", "forecourt")
BODY_TYPES = ("sedan", "hatchback", "estate", "suv", "coupe", "convertible", "van", "pickup", "minivan", "other")
# Paint in sRGB: the seed's colours and a few more; any other colour is painted silver.
PAINTS: dict[str, tuple[int, int, int]] = {
    "black": (28, 30, 34),
    "white": (236, 237, 238),
    "silver": (176, 180, 186),
    "grey": (104, 108, 114),
    "blue": (28, 72, 150),
    "red": (170, 22, 28),
    "green": (30, 92, 62),
    "brown": (98, 62, 40),
    "beige": (200, 182, 150),
    "yellow": (232, 186, 26),
    "orange": (222, 100, 22),
    "gold": (186, 150, 80),
    "purple": (84, 44, 110),
}
COLOUR_NAMES = tuple(PAINTS)
SPREAD = 2654435761  # odd, so car id → seed is one to one over 32 bits (Knuth's multiplicative hash)


# -- names -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    body: str
    colour: str
    angle: str
    scene: str
    seed: int


def _check(text: str) -> str:
    return hashlib.sha256(f"carsite-demo-photo:{text}".encode()).hexdigest()[:10]


def paint_name(colour: str | None) -> str:
    """The paint for a listing's colour as typed ("Blue", "dark blue", "grey metallic"); silver when unknown."""
    words = (colour or "").lower().replace("gray", "grey").split()
    return next((w for w in reversed(words) if w in PAINTS), next((w for w in words if w in PAINTS), "silver"))


def name_for(shot: Shot) -> str:
    """The file name that describes this picture (32 hex digits, as car_photos.file requires)."""
    body = BODY_TYPES.index(shot.body) if shot.body in BODY_TYPES else BODY_TYPES.index("other")
    colour = COLOUR_NAMES.index(paint_name(shot.colour))
    text = (
        f"{PREFIX}{VERSION:x}{body:x}{colour:02x}{ANGLES.index(shot.angle):x}"
        f"{SCENES.index(shot.scene):x}{shot.seed & 0xFFFFFFFF:08x}"
    )
    return text + _check(text)


def parse(name: str) -> Shot | None:
    """The picture a demo name describes; None for any other name (an upload's, or a made-up one)."""
    match = NAME.fullmatch(name)
    if not match or _check(name[:22]) != match.group(7):
        return None
    _version, body, colour, angle, scene, seed, _ = match.groups()
    b, c, a, s = int(body, 16), int(colour, 16), int(angle, 16), int(scene, 16)
    if b >= len(BODY_TYPES) or c >= len(COLOUR_NAMES) or a >= len(ANGLES) or s >= len(SCENES):
        return None
    return Shot(BODY_TYPES[b], COLOUR_NAMES[c], ANGLES[a], SCENES[s], int(seed, 16))


def shots_for(car_id: int, body: str, colour: str) -> list[Shot]:
    """A car's photos, cover first: front three-quarter, side, rear three-quarter and (for most) the dashboard,
    all in one scene picked from the car id."""
    rng = random.Random(car_id * 7919 + 17)
    scene = SCENES[rng.randrange(len(SCENES))]
    angles = ["front", "side", "rear"] + (["interior"] if rng.random() < 0.8 else [])
    seed = (car_id * SPREAD) & 0xFFFFFFFF
    return [Shot(body, colour, angle, scene, seed) for angle in angles]


def car_of(shot: Shot) -> int:
    """The id of the car whose photo this is (the seed is the car id, spread over 32 bits)."""
    return (shot.seed * pow(SPREAD, -1, 1 << 32)) & 0xFFFFFFFF


def attach(car_ids: Sequence[int]) -> int:
    """Give each of these cars its demo photos and cover (nothing is drawn yet: see ``path``); returns how many
    photos were added. Run it inside the seed's transaction."""
    rows: dict[str, list] = {"car_ids": [], "files": [], "widths": [], "heights": []}
    for car in db.all("seed.photo_subjects", ids=list(car_ids)):
        for shot in shots_for(car["id"], car["body"], car["colour"]):
            rows["car_ids"].append(car["id"])
            rows["files"].append(name_for(shot))
            rows["widths"].append(LARGE[0])
            rows["heights"].append(LARGE[1])
    added = db.scalar("seed.add_photos", **rows)
    db.execute("seed.refresh_covers", ids=list(car_ids))
    return int(added)


# -- the cache -------------------------------------------------------------------------------------------------------


def file_name(name: str, size: str) -> str:
    """The cached file of a demo photo: the drawing's version is part of it, so a new drawing is drawn afresh."""
    return f"{name}-{size}-v{VERSION}.webp"


def draw(folder: Path, name: str, size: str) -> Path | None:
    """The file of demo photo ``name`` in ``size`` under ``folder``, drawn now if it is not there yet; None when
    the name is not a demo photo's."""
    shot = parse(name)
    if shot is None or size not in SIZES:
        return None
    target = folder / file_name(name, size)
    if not target.exists():
        buffer = io.BytesIO()
        render(shot, SIZES[size]).save(buffer, "WEBP", quality=84, method=3)
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")  # processes may race: own temp
        temporary.write_bytes(buffer.getvalue())
        os.replace(temporary, target)
    return target


def forget(folder: Path, name: str) -> None:
    """Remove a demo photo's drawn files (its name is its car's alone: no other car shows them)."""
    if parse(name) is not None:
        for size in SIZES:
            (folder / file_name(name, size)).unlink(missing_ok=True)


# -- geometry --------------------------------------------------------------------------------------------------------

Vec = tuple[float, float, float]
Pt = tuple[float, float]


@dataclass(frozen=True)
class Body:
    """A body type's proportions in metres: x along the car (front +), y up, z across (half-width)."""

    length: float
    width: float  # half
    wheelbase: float
    wheel: float  # radius
    front_axle: float  # distance of the front axle from the nose
    sill: float  # height of the body's lower edge
    nose: float  # height of the top of the front face
    bonnet: float  # height where bonnet meets windscreen
    belt: float  # beltline
    tail: float  # height of the rear deck at the tail
    roof: float
    screen_base: float  # x of the windscreen base, from the nose
    screen_top: float  # x of the windscreen top, from the nose
    roof_end: float  # x where the roof ends, from the nose
    rear_base: float  # x where the rear window meets the deck, from the nose
    pillars: int = 2  # side windows: 2 (front and rear door) or 3 (with a quarter window)
    glass_to: float = 1.0  # fraction of the glasshouse length that is glass (vans: only the cab)
    open_top: bool = False  # convertible
    bed: float = 0.0  # pickup: x from the nose where the load bed starts
    tumble: float = 0.16  # how much narrower the roof is than the beltline (fraction of the half-width)
    rugged: bool = False  # SUVs: black wheel-arch cladding and roof rails


BODIES: dict[str, Body] = {
    "sedan": Body(4.75, 0.91, 2.85, 0.33, 0.95, 0.2, 0.68, 0.9, 0.95, 1.0, 1.44, 1.55, 2.35, 3.35, 3.95),
    "hatchback": Body(4.25, 0.89, 2.63, 0.32, 0.86, 0.2, 0.66, 0.88, 0.94, 0.98, 1.46, 1.3, 2.1, 3.5, 4.08),
    "estate": Body(4.8, 0.91, 2.85, 0.33, 0.95, 0.2, 0.68, 0.9, 0.95, 1.0, 1.48, 1.55, 2.35, 4.5, 4.7, pillars=3),
    "suv": Body(
        4.6, 0.93, 2.75, 0.37, 0.92, 0.34, 0.9, 1.1, 1.14, 1.18, 1.68, 1.4, 2.15, 4.2, 4.5, pillars=3, rugged=True
    ),
    "coupe": Body(4.6, 0.93, 2.7, 0.34, 1.0, 0.18, 0.62, 0.84, 0.9, 0.94, 1.32, 1.75, 2.6, 3.05, 4.1, tumble=0.2),
    "convertible": Body(4.0, 0.88, 2.35, 0.31, 0.8, 0.18, 0.62, 0.84, 0.88, 0.9, 1.2, 1.45, 1.95, 2.2, 2.9),
    "van": Body(5.3, 1.0, 3.3, 0.36, 0.95, 0.32, 1.0, 1.25, 1.3, 1.3, 2.45, 0.8, 1.45, 5.25, 5.3, glass_to=0.28),
    "pickup": Body(5.35, 0.95, 3.25, 0.38, 0.98, 0.38, 1.02, 1.18, 1.22, 1.22, 1.85, 1.5, 2.2, 3.25, 3.3, bed=3.4),
    "minivan": Body(4.8, 0.94, 2.9, 0.34, 0.92, 0.24, 0.82, 1.02, 1.04, 1.06, 1.78, 0.95, 1.85, 4.62, 4.78, pillars=3),
}
BODIES["other"] = BODIES["hatchback"]


def _lower_profile(b: Body) -> list[Pt]:
    """The lower body's outline in the side plane, front bottom first, going up over the bonnet and back."""
    front, rear = b.length / 2, -b.length / 2
    x = lambda d: front - d  # noqa: E731 - from the nose
    return [
        (front - 0.05, b.sill),
        (front, b.sill + 0.12),
        (front, b.nose - 0.08),
        (front - 0.1, b.nose),
        (x(b.screen_base * 0.55), b.nose + (b.bonnet - b.nose) * 0.7),
        (x(b.screen_base), b.bonnet),
        (x(b.screen_base + 0.1), b.belt),
        (x(min(b.rear_base, b.length - 0.25)), b.belt + (b.tail - b.belt) * 0.6),
        (rear + 0.08, b.tail),
        (rear, b.tail - 0.1),
        (rear, b.sill + 0.12),
        (rear + 0.05, b.sill),
    ]


def _glass_profile(b: Body) -> list[Pt]:
    """The glasshouse outline: windscreen base and top, the roof (with a slight crown), rear window."""
    x = lambda d: b.length / 2 - d  # noqa: E731
    top, rear_top = x(b.screen_top), x(b.roof_end)
    crown = 0.03 if b.roof < 2 else 0.0
    return [
        (x(b.screen_base), b.bonnet),
        (top, b.roof - 0.03),
        (top - (top - rear_top) * 0.3, b.roof + crown),
        (top - (top - rear_top) * 0.75, b.roof + crown * 0.6),
        (rear_top, b.roof - 0.04),
        (x(b.rear_base), b.belt + (b.tail - b.belt) * 0.6 if b.rear_base < b.length - 0.2 else b.tail),
    ]


def _inset(poly: Sequence[Pt], offsets: Sequence[float]) -> list[Pt]:
    """A convex polygon (counter-clockwise or clockwise) with each edge moved inwards by its offset."""
    n = len(poly)
    area = sum(poly[i][0] * poly[(i + 1) % n][1] - poly[(i + 1) % n][0] * poly[i][1] for i in range(n))
    sign = 1 if area > 0 else -1
    lines = []
    for i in range(n):
        (x1, y1), (x2, y2) = poly[i], poly[(i + 1) % n]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1
        nx, ny = -dy / length * sign, dx / length * sign  # inward normal
        d = offsets[i]
        lines.append(((x1 + nx * d, y1 + ny * d), (dx, dy)))
    out = []
    for i in range(n):
        (p, r), (q, s) = lines[i - 1], lines[i]
        cross = r[0] * s[1] - r[1] * s[0]
        if abs(cross) < 1e-9:
            out.append(q)
            continue
        t = ((q[0] - p[0]) * s[1] - (q[1] - p[1]) * s[0]) / cross
        out.append((p[0] + r[0] * t, p[1] + r[1] * t))
    return out


def _clip_band(poly: Sequence[Pt], lo: float, hi: float, axis: int = 1) -> list[Pt]:
    """The part of a polygon with lo <= coordinate[axis] <= hi (Sutherland-Hodgman against two lines)."""

    def clip(points: list[Pt], keep, edge: float) -> list[Pt]:
        out: list[Pt] = []
        for i, cur in enumerate(points):
            prev = points[i - 1]
            if keep(cur[axis]):
                if not keep(prev[axis]):
                    out.append(_cross(prev, cur, edge, axis))
                out.append(cur)
            elif keep(prev[axis]):
                out.append(_cross(prev, cur, edge, axis))
        return out

    points = clip(list(poly), lambda v: v >= lo, lo)
    return clip(points, lambda v: v <= hi, hi) if points else []


def _cross(a: Pt, b: Pt, edge: float, axis: int) -> Pt:
    t = (edge - a[axis]) / ((b[axis] - a[axis]) or 1e-9)
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


class Camera:
    """A pinhole camera orbiting the car at ``yaw`` degrees (0: looking at the +z side, 90: at the nose)."""

    def __init__(self, yaw: float, height: float, distance: float, target: Vec = (0.0, 0.7, 0.0)) -> None:
        a = math.radians(yaw)
        self.eye = (target[0] + distance * math.sin(a), height, target[2] + distance * math.cos(a))
        f = [target[i] - self.eye[i] for i in range(3)]
        n = math.sqrt(sum(c * c for c in f))
        self.fwd = (f[0] / n, f[1] / n, f[2] / n)
        r = (-self.fwd[2], 0.0, self.fwd[0])  # fwd × up
        n = math.hypot(r[0], r[2])
        self.right = (r[0] / n, 0.0, r[2] / n)
        fw, ri = self.fwd, self.right
        self.up = (ri[1] * fw[2] - ri[2] * fw[1], ri[2] * fw[0] - ri[0] * fw[2], ri[0] * fw[1] - ri[1] * fw[0])
        self.scale, self.offset = 1.0, (0.0, 0.0)

    def view(self, p: Vec) -> Vec:
        d = (p[0] - self.eye[0], p[1] - self.eye[1], p[2] - self.eye[2])
        dot = lambda u: d[0] * u[0] + d[1] * u[1] + d[2] * u[2]  # noqa: E731
        return (dot(self.right), dot(self.up), dot(self.fwd))

    def raw(self, p: Vec) -> Pt:
        x, y, z = self.view(p)
        z = max(z, 0.05)
        return (x / z, -y / z)

    def __call__(self, p: Vec) -> Pt:
        x, y = self.raw(p)
        return (x * self.scale + self.offset[0], y * self.scale + self.offset[1])

    def depth(self, p: Vec) -> float:
        return self.view(p)[2]

    def facing(self, point: Vec, normal: Vec) -> bool:
        to_eye = [self.eye[i] - point[i] for i in range(3)]
        return sum(to_eye[i] * normal[i] for i in range(3)) > 0

    def fit(self, points: Iterable[Vec], box: tuple[float, float, float, float]) -> None:
        """Scale and move the picture so these points fill ``box`` (left, top, right, bottom), centred."""
        raw = [self.raw(p) for p in points]
        xs, ys = [p[0] for p in raw], [p[1] for p in raw]
        width, height = max(xs) - min(xs), max(ys) - min(ys)
        self.scale = min((box[2] - box[0]) / width, (box[3] - box[1]) / height)
        self.offset = (
            (box[0] + box[2]) / 2 - (min(xs) + max(xs)) / 2 * self.scale,
            box[3] - max(ys) * self.scale,
        )


def _mix(a: Sequence[float], b: Sequence[float], t: float) -> tuple[int, int, int]:
    t = max(0.0, min(1.0, t))
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _shade(colour: Sequence[float], k: float) -> tuple[int, int, int]:
    if k <= 1:
        return _mix((0, 0, 0), colour, k)
    return _mix(colour, (255, 255, 255), (k - 1))


def _lerp_stops(stops: Sequence[tuple[float, float]], t: float) -> float:
    for (t0, v0), (t1, v1) in itertools.pairwise(stops):
        if t <= t1:
            return v0 + (v1 - v0) * ((t - t0) / ((t1 - t0) or 1))
    return stops[-1][1]


# -- scenes ----------------------------------------------------------------------------------------------------------


def _gradient(
    size: tuple[int, int], top: Sequence[int], bottom: Sequence[int], start: int = 0, end: int = -1
) -> Image.Image:
    """A vertical gradient from ``top`` at row ``start`` to ``bottom`` at row ``end`` (flat beyond them)."""
    w, h = size
    end = h if end < 0 else end
    column = Image.new("L", (1, h), 0)
    column.paste(Image.linear_gradient("L").resize((1, max(1, end - start))), (0, start))
    if end < h:
        column.paste(255, (0, end, 1, h))
    mask = column.resize((w, h))
    return Image.composite(Image.new("RGB", size, tuple(bottom)), Image.new("RGB", size, tuple(top)), mask)


def _glow(image: Image.Image, centre: Pt, radius: tuple[float, float], colour: Sequence[int], strength: float):
    """A soft elliptical light added onto the image (drawn small and enlarged: cheap blur)."""
    w, h = image.size
    small = Image.new("L", (w // 8, h // 8), 0)
    d = ImageDraw.Draw(small)
    cx, cy, rx, ry = centre[0] / 8, centre[1] / 8, radius[0] / 8, radius[1] / 8
    d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=int(255 * strength))
    small = small.filter(ImageFilter.GaussianBlur(max(rx, ry) * 0.45))
    image.paste(
        Image.new("RGB", image.size, tuple(colour)), (0, 0), small.resize(image.size, Image.Resampling.BILINEAR)
    )


def _scene(scene: str, size: tuple[int, int], horizon: float, rng: random.Random) -> Image.Image:
    w, h = size
    hz = int(max(h * 0.2, min(h * 0.8, horizon)))
    if scene == "showroom":  # a glass front onto a bright, blurred street; a polished floor
        image = _gradient(size, (188, 204, 222), (226, 232, 238), 0, hz)
        small = image.resize((w // 8, h // 8))
        d = ImageDraw.Draw(small)
        sw, shz = small.size[0], hz / 8
        x = -rng.uniform(0, 20)
        while x < sw:  # what is outside, out of focus
            bw, bh = rng.uniform(14, 40), rng.uniform(0.3, 0.7) * shz
            d.rectangle(
                (x, shz - bh, x + bw, shz), fill=rng.choice([(200, 196, 190), (178, 184, 190), (210, 206, 200)])
            )
            x += bw + rng.uniform(2, 10)
        image = small.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BILINEAR)
        d = ImageDraw.Draw(image)
        frame, bar = (70, 74, 80), max(4, w // 220)
        panes = rng.choice([4, 5, 6])
        for i in range(panes + 1):
            x = w * i / panes
            d.rectangle((x - bar, 0, x + bar, hz), fill=frame)
        d.rectangle((0, hz * 0.3 - bar, w, hz * 0.3 + bar), fill=frame)
        d.rectangle((0, hz - h * 0.03, w, hz), fill=(222, 224, 226))  # the wall's foot
        floor = _gradient(size, (214, 216, 218), (160, 162, 166), hz, h)
        image.paste(floor.crop((0, hz, w, h)), (0, hz))
        for i in range(3):
            _glow(image, (w * (0.2 + 0.3 * i), hz + (h - hz) * 0.5), (w * 0.18, h * 0.08), (250, 250, 250), 0.35)
        return image
    if scene == "studio":
        base = rng.choice([(46, 48, 54), (34, 38, 46), (58, 56, 56)])
        image = _gradient(size, _shade(base, 0.7), base, 0, hz)
        floor = _gradient(size, _shade(base, 1.25), _shade(base, 0.5), hz, h)
        image.paste(floor.crop((0, hz, w, h)), (0, hz))
        _glow(image, (w * 0.5, hz * 0.85), (w * 0.42, h * 0.35), (120, 124, 134), 0.55)
        return image
    if scene == "country":
        sky_top, sky_low = rng.choice(
            [((92, 140, 200), (206, 222, 236)), ((120, 150, 196), (238, 206, 170)), ((84, 128, 186), (220, 232, 240))]
        )
        image = _gradient(size, sky_top, sky_low, 0, hz)
        small = Image.new("RGB", (w // 4, h // 4))
        small.paste(image.resize(small.size))
        d = ImageDraw.Draw(small)
        sw, sh, shz = small.size[0], small.size[1], hz / 4
        for layer, colour in enumerate([(128, 150, 150), (96, 126, 104), (78, 108, 74)]):
            phase, amp = rng.uniform(0, 6), sh * (0.09 - layer * 0.022)
            pts = [(x, shz - amp * (1 + math.sin(x / sw * (3 + layer) + phase)) * 0.8) for x in range(0, sw + 8, 8)]
            d.polygon([(0, sh), *pts, (sw, sh)], fill=colour)
        d.rectangle((0, shz, sw, sh), fill=(104, 122, 72))
        image = small.resize(size, Image.Resampling.BILINEAR)
        road = _gradient(size, (132, 130, 124), (84, 82, 80), hz, h)
        d = ImageDraw.Draw(image)
        image.paste(road.crop((0, int(hz + (h - hz) * 0.05), w, h)), (0, int(hz + (h - hz) * 0.05)))
        return image
    if scene == "street":
        image = _gradient(size, (150, 184, 220), (224, 232, 240), 0, hz)
        small = image.resize((w // 4, h // 4))
        d = ImageDraw.Draw(small)
        sw, shz = small.size[0], hz / 4
        x = -rng.uniform(0, 30)
        while x < sw:
            bw, bh = rng.uniform(40, 90), rng.uniform(0.35, 0.75) * shz
            tone = rng.choice([(196, 180, 160), (176, 170, 166), (210, 200, 186), (160, 150, 140), (186, 160, 140)])
            d.rectangle((x, shz - bh, x + bw, shz), fill=tone)
            for wy in range(int(shz - bh + 8), int(shz - 10), 14):
                for wx in range(int(x + 6), int(x + bw - 8), 12):
                    d.rectangle((wx, wy, wx + 6, wy + 7), fill=_shade(tone, 0.62))
            x += bw + rng.uniform(0, 6)
        for t in range(0, sw, rng.randint(70, 110)):  # trees
            tx = t + rng.uniform(0, 40)
            d.ellipse((tx - 16, shz - 46, tx + 16, shz - 10), fill=(86, 116, 76))
            d.rectangle((tx - 2, shz - 12, tx + 2, shz), fill=(80, 64, 50))
        image = small.resize(size, Image.Resampling.BILINEAR)
        kerb = int(hz + (h - hz) * 0.06)
        image.paste(_gradient(size, (180, 178, 172), (168, 166, 160), hz, kerb).crop((0, hz, w, kerb)), (0, hz))
        image.paste(_gradient(size, (120, 122, 126), (78, 80, 84), kerb, h).crop((0, kerb, w, h)), (0, kerb))
        ImageDraw.Draw(image).line((0, kerb, w, kerb), fill=(206, 204, 198), width=max(3, w // 300))
        return image
    # forecourt
    image = _gradient(size, (132, 170, 214), (218, 228, 238), 0, hz)
    small = image.resize((w // 4, h // 4))
    d = ImageDraw.Draw(small)
    sw, shz = small.size[0], hz / 4
    left = rng.uniform(-0.2, 0.3) * sw
    d.rectangle((left, shz * 0.45, left + sw * 0.9, shz), fill=(226, 228, 230))
    d.rectangle((left, shz * 0.45, left + sw * 0.9, shz * 0.53), fill=rng.choice([(30, 70, 150), (170, 30, 40)]))
    for i in range(12):
        gx = left + sw * 0.9 * (i + 0.3) / 12
        d.rectangle((gx, shz * 0.6, gx + sw * 0.05, shz * 0.98), fill=(120, 146, 170))
    image = small.resize(size, Image.Resampling.BILINEAR)
    image.paste(_gradient(size, (170, 170, 168), (120, 120, 120), hz, h).crop((0, hz, w, h)), (0, hz))
    return image


# -- the car ---------------------------------------------------------------------------------------------------------


class Painter:
    def __init__(self, image: Image.Image, camera: Camera, paint: Sequence[int], mirror: bool = False) -> None:
        self.image, self.cam, self.paint, self.mirror = image, camera, paint, mirror
        self.draw = ImageDraw.Draw(image)
        self.light = (0.35, 0.8, 0.45)

    def p(self, v: Vec) -> Pt:
        return self.cam((v[0], -v[1], v[2]) if self.mirror else v)

    def poly(self, points: Sequence[Vec], fill: Sequence[int]) -> None:
        if len(points) >= 3:
            self.draw.polygon([self.p(v) for v in points], fill=tuple(fill))

    def facing(self, point: Vec, normal: Vec) -> bool:
        if self.mirror:
            point, normal = (point[0], -point[1], point[2]), (normal[0], -normal[1], normal[2])
        return self.cam.facing(point, normal)

    def lit(self, normal: Vec, colour: Sequence[int], gloss: float = 0.3) -> tuple[int, int, int]:
        n = math.sqrt(sum(c * c for c in normal)) or 1
        nx, ny, nz = (c / n for c in normal)
        diffuse = max(0.0, nx * self.light[0] + ny * self.light[1] + nz * self.light[2])
        k = 0.5 + 0.55 * diffuse + gloss * max(0.0, ny) ** 3
        return _shade(colour, k)


def _car(pt: Painter, b: Body, rim: tuple[int, int, int], spokes: int) -> None:
    """Paint the car, far parts first."""
    paint = pt.paint
    lower = _lower_profile(b)
    glass = _glass_profile(b)
    w = b.width
    gw0, gw1 = w * 0.93, w * (0.93 - b.tumble)
    gz = lambda y: gw0 - (gw0 - gw1) * (y - b.bonnet) / max(0.01, b.roof - b.bonnet)  # noqa: E731
    axles = (b.length / 2 - b.front_axle, b.length / 2 - b.front_axle - b.wheelbase)

    near = 1 if pt.facing((0, 0.6, w), (0, 0, 1)) else -1
    # far wheels, then the body's faces, then what sits on the near side
    for ax in axles:
        _wheel(pt, (ax, b.wheel, -near * (w - 0.08)), b.wheel, -near, rim, spokes, far=True)

    def strip_faces(profile: list[Pt], zf, kind: str) -> list[tuple[float, list[Vec], Vec, int]]:
        faces = []
        for i in range(len(profile) - (1 if kind == "glass" else 0)):
            (x1, y1), (x2, y2) = profile[i], profile[(i + 1) % len(profile)]
            if kind == "lower" and y1 <= b.sill + 0.001 and y2 <= b.sill + 0.001:
                continue
            quad = [(x1, y1, zf(x1, y1)), (x2, y2, zf(x2, y2)), (x2, y2, -zf(x2, y2)), (x1, y1, -zf(x1, y1))]
            normal = (y2 - y1, -(x2 - x1), 0.0)  # outward: the outline runs counter-clockwise
            faces.append((pt.cam.depth(((x1 + x2) / 2, (y1 + y2) / 2, 0)), quad, normal, i))
        return faces

    # lower body: the top and end faces, then the near side
    for _, quad, normal, i in sorted(
        strip_faces(lower, lambda x, y: _half_width(b, x, y), "lower"), key=lambda f: -f[0]
    ):
        if not pt.facing(quad[0], normal):
            continue
        colour = pt.lit(normal, paint, gloss=0.45)
        pt.poly(quad, colour)
        x1, x2 = lower[i][0], lower[(i + 1) % len(lower)][0]
        if abs(x1 - x2) < 0.02 and x1 > 0:  # the front face: grille, lights, bumper, plate
            _front(pt, b, x1)
        elif abs(x1 - x2) < 0.02 and x1 < 0:
            _rear(pt, b, x1)
    _side(pt, b, lower, near, paint)
    if b.bed:
        x0, x1 = b.length / 2 - b.bed, -b.length / 2 + 0.12
        y = b.belt + 0.01
        pt.poly([(x0, y, w - 0.08), (x1, y, w - 0.08), (x1, y, -w + 0.08), (x0, y, -w + 0.08)], (40, 41, 44))
    if b.open_top:
        x0, x1 = b.length / 2 - b.screen_base - 0.15, -b.length / 2 + 1.0
        y = b.belt + 0.01
        pt.poly([(x0, y, w - 0.1), (x1, y, w - 0.1), (x1, y, -w + 0.1), (x0, y, -w + 0.1)], (34, 30, 28))
        for z in (0.42, -0.42):  # seats' backs and headrests
            for xs in (x0 - 0.55,):
                pt.poly(
                    [
                        (xs, y, z - 0.22),
                        (xs - 0.12, y + 0.5, z - 0.2),
                        (xs - 0.12, y + 0.5, z + 0.2),
                        (xs, y, z + 0.22),
                    ],
                    (60, 52, 46),
                )
        top = glass[1]
        base = glass[0]
        frame = [(base[0], base[1], gw0), (top[0], top[1], gz(top[1])), (top[0], top[1], -gz(top[1])),
                 (base[0], base[1], -gw0)]  # fmt: skip
        pt.poly(frame, (20, 22, 26))
        pt.poly(_shrink(frame, 0.06), (90, 110, 130))
    else:
        _glasshouse(pt, b, glass, gz, near, paint)
        if b.rugged:  # roof rails
            front, back = glass[1][0] - 0.1, glass[-2][0] + 0.05
            for side in (1, -1):
                z = side * gz(b.roof) * 0.86
                y = b.roof + 0.02
                pt.poly([(front, y, z), (back, y, z), (back, y + 0.06, z), (front + 0.05, y + 0.06, z)], (30, 31, 34))
    for ax in axles:
        _wheel(pt, (ax, b.wheel, near * (w + 0.01)), b.wheel, near, rim, spokes, far=False)
    # door mirror: a body-coloured cap facing forwards on a dark stalk, just ahead of the front window
    mx, my = b.length / 2 - b.screen_base - 0.18, b.belt + 0.05
    zb, zo = near * (gz(my) - 0.02), near * (w + 0.13)
    pt.poly([(mx, my, zb), (mx, my, zo), (mx - 0.02, my + 0.13, zo), (mx - 0.02, my + 0.12, zb)], _shade(paint, 0.75))
    pt.poly([(mx - 0.02, my + 0.12, zb), (mx - 0.02, my + 0.13, zo), (mx - 0.2, my + 0.12, zo),
             (mx - 0.2, my + 0.1, zb)], _shade(paint, 1.1))  # fmt: skip


def _shrink(quad: Sequence[Vec], t: float) -> list[Vec]:
    cx = sum(v[0] for v in quad) / len(quad)
    cy = sum(v[1] for v in quad) / len(quad)
    cz = sum(v[2] for v in quad) / len(quad)
    return [(v[0] + (cx - v[0]) * t, v[1] + (cy - v[1]) * t, v[2] + (cz - v[2]) * t) for v in quad]


def _half_width(b: Body, x: float, y: float) -> float:
    """How far the lower body's skin is from the centre line: rounded towards the nose and tail (in plan), at the
    shoulder and tucked in at the sill."""
    end = b.length / 2 - abs(x)
    plan = 1 - 0.1 * max(0.0, 1 - end / 0.7) ** 2
    shoulder = 1 - 0.07 * min(1.0, max(0.0, (y - (b.belt - 0.24)) / 0.26)) ** 2
    tuck = 1 - 0.035 * min(1.0, max(0.0, (b.sill + 0.16 - y) / 0.16))
    return b.width * plan * shoulder * tuck


def _side(pt: Painter, b: Body, lower: list[Pt], near: int, paint: Sequence[int]) -> None:
    """The near side of the lower body, a curved skin painted in small cells: each cell's shade is the sky or
    ground it reflects (bright shoulder, a crease, darker towards the sill) and how far it turns away."""
    top = max(y for _, y in lower)
    xs = [x for x, _ in lower]
    x_lo, x_hi = min(xs), max(xs)
    bands, columns = 24, max(8, int((x_hi - x_lo) / 0.22))
    stops = [(0, 0.42), (0.25, 0.62), (0.55, 0.86), (0.74, 1.02), (0.78, 1.22), (0.83, 0.96), (1, 1.1)]
    sz = lambda x, y, off=0.0: near * (_half_width(b, x, y) + off)  # noqa: E731
    light = (0.35, 0.8, 0.45)
    for i in range(bands):
        lo = b.sill + (top - b.sill) * i / bands
        hi = b.sill + (top - b.sill) * (i + 1) / bands + 0.003
        band = _clip_band(lower, lo, hi)
        if not band:
            continue
        k_y = _lerp_stops(stops, (i + 0.5) / bands)
        for j in range(columns):
            x0 = x_lo + (x_hi - x_lo) * j / columns
            x1 = x_lo + (x_hi - x_lo) * (j + 1) / columns + 0.01
            cell = _clip_band(band, x0, x1, axis=0)
            if len(cell) < 3:
                continue
            cx, cy, e = (x0 + x1) / 2, (lo + hi) / 2, 0.02
            hx = (_half_width(b, cx + e, cy) - _half_width(b, cx - e, cy)) / (2 * e)
            hy = (_half_width(b, cx, cy + e) - _half_width(b, cx, cy - e)) / (2 * e)
            n = (-hx, -hy, 1.0)
            length = math.sqrt(n[0] ** 2 + n[1] ** 2 + 1)
            n = (n[0] / length, n[1] / length, n[2] / length)
            lambert = max(0.0, n[0] * light[0] + n[1] * light[1] + n[2] * light[2])
            k = k_y * (1 - 0.5 * abs(n[0])) * (0.82 + 0.3 * lambert)
            pt.poly([(x, y, sz(x, y)) for x, y in cell], _shade(paint, k))
    # sill trim, wheel arches
    trim = _clip_band(lower, b.sill, b.sill + 0.09)
    pt.poly([(x, y, sz(x, y, 0.003)) for x, y in _resample(trim)], (30, 31, 34))
    for ax in (b.length / 2 - b.front_axle, b.length / 2 - b.front_axle - b.wheelbase):
        r = b.wheel * (1.26 if b.rugged else 1.16)
        arch = [(ax + r * math.cos(a), b.wheel + r * math.sin(a) * 1.0) for a in _arc(0, math.pi, 18)]
        arch = [(ax + r, max(b.sill - 0.02, 0.0)), *arch, (ax - r, max(b.sill - 0.02, 0.0))]
        pt.poly([(x, y, sz(x, y, 0.004)) for x, y in arch], (40, 41, 44) if b.rugged else (14, 14, 16))
        if b.rugged:
            inner = [
                (ax + b.wheel * 1.14 * math.cos(a), b.wheel + b.wheel * 1.14 * math.sin(a))
                for a in _arc(0, math.pi, 18)
            ]
            inner = [(ax + b.wheel * 1.14, b.sill - 0.02), *inner, (ax - b.wheel * 1.14, b.sill - 0.02)]
            pt.poly([(x, y, sz(x, y, 0.006)) for x, y in inner], (14, 14, 16))
    # door shut lines and handles
    front = b.length / 2
    doors = [front - b.screen_base - 0.08, front - b.screen_base - 0.08 - (1.15 if b.open_top else 1.0)]
    if not b.open_top and b.pillars >= 2 and b.length > 4.4 and not b.bed:
        doors.append(doors[1] - 0.95)
    if b.bed:
        doors = [doors[0], doors[0] - 1.05, front - b.bed + 0.02]
    line = _shade(paint, 0.45)
    for x in doors:
        shut = [(x, b.sill + 0.1), (x - 0.012, b.sill + 0.1), (x - 0.02, b.belt - 0.04), (x - 0.008, b.belt - 0.04)]
        pt.poly([(px, py, sz(px, py, 0.004)) for px, py in _resample(shut)], line)
    for x in doors[1:3]:
        hx, hy = x + 0.12, b.belt - 0.14
        handle = [(hx, hy), (hx + 0.2, hy), (hx + 0.2, hy + 0.035), (hx, hy + 0.035)]
        pt.poly([(px, py, sz(px, py, 0.005)) for px, py in handle], _shade(paint, 1.3))


def _resample(poly: Sequence[Pt], step: float = 0.15) -> list[Pt]:
    """The polygon with points added along long edges, so it follows a curved surface once projected."""
    out: list[Pt] = []
    for i, a in enumerate(poly):
        b = poly[(i + 1) % len(poly)]
        n = max(1, int(math.hypot(b[0] - a[0], b[1] - a[1]) / step))
        out.extend((a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n) for k in range(n))
    return out


def _arc(a0: float, a1: float, n: int) -> list[float]:
    return [a0 + (a1 - a0) * i / (n - 1) for i in range(n)]


def _glasshouse(pt: Painter, b: Body, glass: list[Pt], gz, near: int, paint: Sequence[int]) -> None:
    faces = []
    for i in range(len(glass) - 1):
        (x1, y1), (x2, y2) = glass[i], glass[i + 1]
        quad = [(x1, y1, gz(y1)), (x2, y2, gz(y2)), (x2, y2, -gz(y2)), (x1, y1, -gz(y1))]
        normal = (y2 - y1, -(x2 - x1), 0.0)
        faces.append((pt.cam.depth(((x1 + x2) / 2, (y1 + y2) / 2, 0)), i, quad, normal))
    last = len(glass) - 2
    for _, i, quad, normal in sorted(faces, key=lambda f: -f[0]):
        if not pt.facing(quad[0], normal):
            continue
        if i in (0, last) and not (i == last and b.glass_to < 1):
            pt.poly(quad, pt.lit(normal, paint, 0.4))
            _window(pt, _shrink(quad, 0.1 if i == 0 else 0.16), sky=i == 0)
        else:
            pt.poly(quad, pt.lit(normal, paint, 0.6))
    # the near side of the glasshouse: body colour pillars, glass windows
    poly = glass
    side_z = lambda x, y: near * gz(y)  # noqa: E731
    pt.poly([(x, y, side_z(x, y)) for x, y in poly], _shade(paint, 0.9))
    offsets = [0.07] + [0.05] * (len(poly) - 3) + [0.1, 0.03]
    pane = _inset(poly, offsets)
    length = max(x for x, _ in poly) - min(x for x, _ in poly)
    if b.glass_to < 1:
        pane = _clip_band(pane, max(x for x, _ in poly) - length * b.glass_to, 99, axis=0)
    elif b.pillars == 3:  # the quarter window ends before the tail
        pane = _clip_band(pane, min(x for x, _ in poly) + 0.12, 99, axis=0)
    _window(pt, [(x, y, side_z(x, y) + near * 0.005) for x, y in pane], sky=False)
    # B (and C) pillars in black
    front_x = max(x for x, _ in pane)
    cuts = [front_x - (1.05 if b.length > 4.4 else 0.95)]
    if b.pillars == 3 and b.glass_to >= 1:
        cuts.append(cuts[0] - (1.0 if b.length > 4.6 else 0.9))
    if b.glass_to < 1 or b.length < 4.1:
        cuts = cuts[:1] if b.length >= 4.1 else []
    for cx in cuts:
        band = _clip_band(pane, cx - 0.07, cx + 0.02, axis=0)
        pt.poly([(x, y, side_z(x, y) + near * 0.01) for x, y in band], (22, 23, 26))


def _window(pt: Painter, quad: Sequence[Vec], sky: bool) -> None:
    """Tinted glass: dark at the bottom, the sky's reflection across the top."""
    pt.poly(quad, (38, 46, 58))
    screen = [pt.p(v) for v in quad]
    ys = [p[1] for p in screen]
    top, bottom = min(ys), max(ys)
    box = (int(min(p[0] for p in screen)) - 1, int(top) - 1, int(max(p[0] for p in screen)) + 2, int(bottom) + 2)
    box = (max(0, box[0]), max(0, box[1]), min(pt.image.size[0], box[2]), min(pt.image.size[1], box[3]))
    if box[2] <= box[0] or box[3] <= box[1]:
        return
    region = Image.new("L", (box[2] - box[0], box[3] - box[1]), 0)
    ImageDraw.Draw(region).polygon([(x - box[0], y - box[1]) for x, y in screen], fill=255)
    gradient = _gradient((box[2] - box[0], box[3] - box[1]), (150, 170, 190), (30, 36, 46))
    d = ImageDraw.Draw(gradient)
    bw, bh = gradient.size
    slant = bh * 0.8
    x0 = bw * (0.25 if sky else 0.55)
    d.polygon([(x0, 0), (x0 + bw * 0.12, 0), (x0 + bw * 0.12 - slant, bh), (x0 - slant, bh)], fill=(120, 136, 154))
    pt.image.paste(gradient, box[:2], region.point(lambda v: v * 0.9))


def _front(pt: Painter, b: Body, x: float) -> None:
    """Bumper and intake, grille, headlights and the plate on the nose (x is the front face)."""
    y0, y1 = b.sill + 0.12, b.nose - 0.08
    w = min(_half_width(b, x, y0), _half_width(b, x, y1))
    h = y1 - y0
    x += 0.005
    quad = lambda ya, yb, za, zb: [(x, ya, za), (x, yb, za), (x, yb, zb), (x, ya, zb)]  # noqa: E731
    pt.poly(quad(y0, y0 + h * 0.3, w * 0.8, -w * 0.8), (26, 27, 30))  # lower intake
    gz = w * 0.42
    gy0, gy1 = y0 + h * 0.4, y1 - 0.02
    pt.poly([(x, gy0, gz * 0.85), (x, gy1, gz), (x, gy1, -gz), (x, gy0, -gz * 0.85)], (20, 21, 24))  # grille
    for k in range(1, 5):
        gy = gy0 + (gy1 - gy0) * k / 5
        pt.poly(quad(gy, gy + 0.012, gz * 0.9, -gz * 0.9), (64, 66, 72))
    for s in (1, -1):  # headlights: a clear housing with a bright daytime strip
        top, low = y1 - 0.01, y1 - min(0.15, h * 0.4)
        pt.poly([(x, low, s * (w - 0.04)), (x, top, s * (w - 0.02)), (x, top, s * (gz + 0.05)),
                 (x, low + 0.04, s * (gz + 0.05))], (196, 204, 214))  # fmt: skip
        pt.poly([(x, top - 0.035, s * (w - 0.05)), (x, top - 0.015, s * (w - 0.05)), (x, top - 0.015, s * (gz + 0.09)),
                 (x, top - 0.035, s * (gz + 0.09))], (255, 255, 255))  # fmt: skip
        pt.poly(quad(low + 0.03, low + 0.09, s * (w - 0.12), s * (w - 0.26)), (236, 240, 248))
    py = y0 + h * 0.1
    pt.poly(quad(py, py + 0.11, 0.26, -0.26), (240, 240, 236))
    pt.poly(quad(py, py + 0.11, 0.26, 0.22), (30, 60, 150))


def _rear(pt: Painter, b: Body, x: float) -> None:
    """Bumper, tail lights and the plate on the tail (x is the rear face)."""
    y0, y1 = b.sill + 0.12, b.tail - 0.1
    w = min(_half_width(b, x, y0), _half_width(b, x, y1))
    h = y1 - y0
    x -= 0.005
    quad = lambda ya, yb, za, zb: [(x, ya, za), (x, yb, za), (x, yb, zb), (x, ya, zb)]  # noqa: E731
    pt.poly(quad(y0, y0 + h * 0.26, w, -w), (30, 31, 34))
    top, low = y1 - 0.01, y1 - min(0.17, h * 0.38)
    for s in (1, -1):
        pt.poly([(x, low, s * (w - 0.03)), (x, top, s * (w - 0.02)), (x, top, s * (w * 0.42)),
                 (x, low + 0.05, s * (w * 0.42))], (150, 14, 20))  # fmt: skip
        pt.poly(quad(top - 0.05, top - 0.025, s * (w - 0.05), s * (w * 0.46)), (250, 70, 70))
    if b.length > 4.4:  # a light bar across the tail
        pt.poly(quad(top - 0.045, top - 0.03, w * 0.42, -w * 0.42), (200, 30, 36))
    py = y0 + h * 0.36
    pt.poly(quad(py, py + 0.11, 0.26, -0.26), (240, 240, 236))
    pt.poly(quad(py, py + 0.11, 0.26, 0.22), (30, 60, 150))


def _wheel(pt: Painter, centre: Vec, r: float, side: int, rim: Sequence[int], spokes: int, far: bool) -> None:
    cx, cy, cz = centre
    ring = lambda rad, z, n=36: [(cx + rad * math.cos(a), cy + rad * math.sin(a), z) for a in _arc(0, 2 * math.pi, n)]  # noqa: E731
    inner_z = cz - side * 0.22
    outer, inner = ring(r, cz), ring(r, inner_z)
    for k in range(len(outer) - 1):  # the tread: the strip between the tyre's two faces
        pt.poly([outer[k], outer[k + 1], inner[k + 1], inner[k]], (16, 16, 18))
    if far:
        pt.poly(ring(r * 0.95, inner_z), (22, 22, 24))
        return
    pt.poly(outer, (26, 26, 28))
    pt.poly(ring(r * 0.76, cz + side * 0.005), _shade(rim, 0.55))
    face = cz + side * 0.01
    pt.poly(ring(r * 0.72, face), _shade(rim, 0.3))  # the dark between the spokes
    for k in range(spokes):
        a = 2 * math.pi * k / spokes + 0.3
        da = math.pi / spokes * 0.42
        pts = [
            (cx + r * 0.16 * math.cos(a - da * 1.6), cy + r * 0.16 * math.sin(a - da * 1.6), face),
            (cx + r * 0.71 * math.cos(a - da * 0.5), cy + r * 0.71 * math.sin(a - da * 0.5), face),
            (cx + r * 0.71 * math.cos(a + da * 0.5), cy + r * 0.71 * math.sin(a + da * 0.5), face),
            (cx + r * 0.16 * math.cos(a + da * 1.6), cy + r * 0.16 * math.sin(a + da * 1.6), face),
        ]
        pt.poly(pts, _shade(rim, 1.0 + 0.12 * math.sin(a)))
    pt.poly(ring(r * 0.2, face + side * 0.005, 20), _shade(rim, 0.85))
    pt.poly(ring(r * 0.08, face + side * 0.01, 12), _shade(rim, 0.5))


# -- the shots -------------------------------------------------------------------------------------------------------


def render(shot: Shot, size: tuple[int, int]) -> Image.Image:
    """The picture a shot describes, ``size`` pixels, the same every time."""
    rng = random.Random(f"{shot.seed}:{shot.angle}:{shot.scene}")
    w, h = size[0] * 2, size[1] * 2
    if shot.angle == "interior":
        return _interior((w, h), rng, shot.seed).reduce(2)
    body = BODIES.get(shot.body, BODIES["other"])
    paint = PAINTS[paint_name(shot.colour)]
    yaw = {"front": 36.0, "side": 0.0, "rear": -38.0}[shot.angle] + rng.uniform(-5, 5)
    if shot.angle == "side" and rng.random() < 0.5:
        yaw = 180 + rng.uniform(-4, 4)  # the other side, facing left
    tall = body.roof > 2  # vans: from a little higher, so the roof does not tower
    low, high = (1.9, 2.3) if tall or body.bed else (1.45, 1.8)
    cam = Camera(yaw, rng.uniform(low, high), rng.uniform(7.5, 9.5))
    l2, wd = body.length / 2, body.width
    corners = [(x, y, z) for x in (-l2, l2) for y in (0.0, body.roof + 0.03) for z in (-wd - 0.12, wd + 0.12)]
    margin = 0.07 if shot.angle == "side" else 0.1
    cam.fit(corners, (w * margin, h * 0.16, w * (1 - margin), h * 0.86))
    horizon = cam((cam.eye[0] + cam.fwd[0] * 1e4, 0.0, cam.eye[2] + cam.fwd[2] * 1e4))[1]
    image = _scene(shot.scene, (w, h), horizon, rng)
    rim = rng.choice([(196, 200, 206), (150, 154, 160), (60, 62, 66), (210, 212, 214)])
    spokes = rng.choice([5, 5, 6, 7, 10])
    glossy = shot.scene in ("showroom", "studio")
    _shadow(image, cam, body, strong=not glossy)
    if glossy:  # the floor's reflection: the car mirrored under the ground, faded downwards
        layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        _car(Painter(layer, cam, paint, mirror=True), body, rim, spokes)
        ground = int(sum(cam((x, 0.0, z))[1] for x in (-l2, l2) for z in (-wd, wd)) / 4)
        fade = Image.new("L", (w, h), 0)
        fade.paste(Image.linear_gradient("L").rotate(180).resize((w, max(1, int(h * 0.3)))), (0, ground - h // 20))
        fade.paste(255, (0, 0, w, ground - h // 20))
        mask = ImageChops.multiply(layer.getchannel("A"), fade).point(lambda v: int(v * 0.24))
        soft = layer.convert("RGB").reduce(4).filter(ImageFilter.BoxBlur(1)).resize((w, h), Image.Resampling.BILINEAR)
        image.paste(soft, (0, 0), mask)
    _car(Painter(image, cam, paint), body, rim, spokes)
    return image.reduce(2)


def _shadow(image: Image.Image, cam: Camera, b: Body, strong: bool) -> None:
    w, h = image.size
    small = Image.new("L", (w // 8, h // 8), 0)
    d = ImageDraw.Draw(small)
    l2, wd = b.length / 2 + 0.1, b.width + 0.15
    pts = [cam((x, 0.0, z)) for x, z in ((l2, wd), (l2, -wd), (-l2, -wd), (-l2, wd))]
    d.polygon([(x / 8, y / 8) for x, y in pts], fill=170 if strong else 120)
    small = small.filter(ImageFilter.GaussianBlur(w / 8 * 0.012))
    inner = [cam((x * 0.85, 0.0, z * 0.8)) for x, z in ((l2, wd), (l2, -wd), (-l2, -wd), (-l2, wd))]
    d = ImageDraw.Draw(small)
    d.polygon([(x / 8, y / 8) for x, y in inner], fill=230 if strong else 190)
    small = small.filter(ImageFilter.GaussianBlur(w / 8 * 0.006))
    image.paste((10, 10, 12), (0, 0), small.resize(image.size, Image.Resampling.BILINEAR))


def _interior(size: tuple[int, int], rng: random.Random, seed: int) -> Image.Image:
    """The driver's view: windscreen, dashboard with two dials and a screen, steering wheel, seats' edges."""
    w, h = size
    trim = rng.choice([(30, 30, 33), (36, 34, 32), (44, 46, 50)])
    leather = rng.choice([(40, 40, 42), (150, 124, 96), (110, 84, 62), (60, 62, 66)])
    image = _gradient(size, (150, 186, 222), (226, 232, 236), 0, int(h * 0.42))
    d = ImageDraw.Draw(image)
    d.rectangle((0, h * 0.36, w, h * 0.44), fill=(118, 132, 110))
    d.polygon(
        [(w * 0.38, h * 0.44), (w * 0.47, h * 0.36), (w * 0.53, h * 0.36), (w * 0.7, h * 0.44)], fill=(110, 110, 112)
    )
    d.polygon(
        [(w * 0.2, h * 0.44), (w * 0.49, h * 0.36), (w * 0.51, h * 0.36), (w * 0.8, h * 0.44)], fill=(96, 96, 100)
    )
    for k in range(6):  # the centre line of the road ahead
        y0, y1 = h * (0.365 + 0.013 * k), h * (0.37 + 0.013 * k)
        d.rectangle((w * 0.5 - w * 0.002 * (k + 1), y0, w * 0.5 + w * 0.002 * (k + 1), y1), fill=(230, 230, 220))
    image = image.filter(ImageFilter.BoxBlur(5))
    d = ImageDraw.Draw(image)
    # roof lining and A-pillars
    d.polygon(
        [(0, 0), (w, 0), (w, h * 0.08), (w * 0.85, h * 0.12), (w * 0.15, h * 0.12), (0, h * 0.08)], fill=(190, 186, 178)
    )
    d.polygon([(0, 0), (w * 0.12, h * 0.1), (w * 0.02, h * 0.5), (0, h * 0.52)], fill=_shade(trim, 1.2))
    d.polygon([(w, 0), (w * 0.88, h * 0.1), (w * 0.98, h * 0.5), (w, h * 0.52)], fill=_shade(trim, 1.2))
    # dashboard
    top = [(x, h * (0.43 - 0.05 * math.sin(math.pi * x / w))) for x in range(0, w + 1, w // 40)]
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon([(0, h), *top, (w, h)], fill=255)
    image.paste(_gradient(size, _shade(trim, 1.5), _shade(trim, 0.9), int(h * 0.38), int(h * 0.5)), (0, 0), mask)
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon([(0, h), *[(x, y + h * 0.16) for x, y in top], (w, h)], fill=255)
    image.paste(_gradient(size, _shade(trim, 1.3), _shade(trim, 0.35), int(h * 0.52), h), (0, 0), mask)
    d = ImageDraw.Draw(image)
    d.line([(x, y + h * 0.16) for x, y in top], fill=_shade(trim, 1.9), width=max(2, w // 400))
    mx = w * 0.5  # rear-view mirror
    d.rounded_rectangle((mx - w * 0.09, h * 0.13, mx + w * 0.09, h * 0.2), radius=h // 40, fill=(26, 26, 28))
    d.rounded_rectangle((mx - w * 0.083, h * 0.138, mx + w * 0.083, h * 0.192), radius=h // 50, fill=(120, 140, 160))
    d.rectangle((mx - w * 0.006, h * 0.1, mx + w * 0.006, h * 0.13), fill=(26, 26, 28))
    # dials
    dial_y = h * 0.5
    for cx in (w * 0.3, w * 0.45):
        r = h * 0.085
        d.ellipse((cx - r * 1.15, dial_y - r * 1.15, cx + r * 1.15, dial_y + r * 1.15), fill=(12, 12, 14))
        d.ellipse(
            (cx - r, dial_y - r, cx + r, dial_y + r), fill=(20, 22, 28), outline=(180, 190, 200), width=max(2, w // 500)
        )
        for k in range(11):
            a = math.radians(140 + 26 * k)
            d.line((cx + r * 0.78 * math.cos(a), dial_y + r * 0.78 * math.sin(a), cx + r * 0.92 * math.cos(a),
                    dial_y + r * 0.92 * math.sin(a)), fill=(220, 226, 232), width=max(2, w // 600))  # fmt: skip
        a = math.radians(140 + rng.uniform(20, 140))
        d.line(
            (cx, dial_y, cx + r * 0.8 * math.cos(a), dial_y + r * 0.8 * math.sin(a)),
            fill=(240, 80, 40),
            width=max(3, w // 300),
        )
    # centre screen
    sx, sy = w * 0.6, h * 0.42
    d.rounded_rectangle((sx, sy, sx + w * 0.2, sy + h * 0.15), radius=w // 120, fill=(14, 16, 20))
    d.rounded_rectangle(
        (sx + w * 0.006, sy + h * 0.01, sx + w * 0.194, sy + h * 0.14), radius=w // 160, fill=(40, 70, 90)
    )
    for k in range(5):
        y = sy + h * (0.03 + 0.022 * k)
        d.line((sx + w * 0.02, y, sx + w * (0.08 + 0.02 * (k % 3)), y), fill=(150, 200, 220), width=max(3, w // 300))
    d.ellipse(
        (sx + w * 0.12, sy + h * 0.035, sx + w * 0.17, sy + h * 0.105), outline=(120, 220, 160), width=max(3, w // 300)
    )
    # vents
    for vx in (w * 0.12, w * 0.84):
        d.rounded_rectangle((vx, h * 0.47, vx + w * 0.07, h * 0.53), radius=w // 150, fill=(14, 14, 16))
    # steering wheel
    cx, cy, r = w * 0.37, h * 0.74, h * 0.27
    ring = max(8, int(h * 0.045))
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(18, 18, 20), width=ring)
    inset = ring * 0.3
    d.arc(
        (cx - r + inset, cy - r + inset, cx + r - inset, cy + r - inset), 205, 335, fill=(58, 58, 62), width=ring // 4
    )
    d.arc((cx - r, cy - r, cx + r, cy + r), 250, 290, fill=_shade(leather, 0.9), width=ring // 2)
    d.polygon(
        [
            (cx - r * 0.95, cy + r * 0.05),
            (cx - r * 0.2, cy - r * 0.05),
            (cx - r * 0.15, cy + r * 0.3),
            (cx - r * 0.9, cy + r * 0.3),
        ],
        fill=(24, 24, 26),
    )
    d.polygon(
        [
            (cx + r * 0.95, cy + r * 0.05),
            (cx + r * 0.2, cy - r * 0.05),
            (cx + r * 0.15, cy + r * 0.3),
            (cx + r * 0.9, cy + r * 0.3),
        ],
        fill=(24, 24, 26),
    )
    d.polygon(
        [
            (cx - r * 0.12, cy + r * 0.3),
            (cx + r * 0.12, cy + r * 0.3),
            (cx + r * 0.08, cy + r * 0.95),
            (cx - r * 0.08, cy + r * 0.95),
        ],
        fill=(24, 24, 26),
    )
    d.ellipse((cx - r * 0.3, cy - r * 0.22, cx + r * 0.3, cy + r * 0.32), fill=(30, 30, 33))
    d.ellipse((cx - r * 0.07, cy - r * 0.02, cx + r * 0.07, cy + r * 0.1), fill=(170, 176, 184))
    # centre console and seat edges
    d.polygon([(w * 0.6, h), (w * 0.64, h * 0.62), (w * 0.8, h * 0.62), (w * 0.86, h)], fill=_shade(trim, 0.8))
    d.ellipse((w * 0.7, h * 0.74, w * 0.76, h * 0.82), fill=(16, 16, 18))
    d.polygon([(w * 0.88, h), (w * 0.92, h * 0.72), (w, h * 0.7), (w, h)], fill=leather)
    d.polygon([(0, h), (0, h * 0.78), (w * 0.06, h * 0.8), (w * 0.1, h)], fill=leather)
    vignette = Image.new("L", (w // 16, h // 16), 0)
    ImageDraw.Draw(vignette).ellipse((-w // 64, -h // 64, w // 16 + w // 64, h // 16 + h // 64), fill=255)
    vignette = vignette.filter(ImageFilter.GaussianBlur(w // 160)).resize(size, Image.Resampling.BILINEAR)
    return Image.composite(image, Image.new("RGB", size, (0, 0, 0)), vignette.point(lambda v: 150 + v * 105 // 255))


# -- the placeholder -------------------------------------------------------------------------------------------------


def silhouette_svg(body: str) -> str:
    """A side view of the body type (any other name: a hatchback) as a 4:3 SVG, for cars without photos."""
    b = BODIES.get(body, BODIES["other"])
    lower, glass = _lower_profile(b), _glass_profile(b)
    scale = 280 / 5.4  # the longest body fills 280 of 320 units
    ground = 176

    def points(outline: Iterable[Pt]) -> str:
        return " ".join(f"{160 + x * scale:.1f},{ground - y * scale:.1f}" for x, y in outline)

    pane = _inset(glass, [0.07] + [0.05] * (len(glass) - 3) + [0.1, 0.03])
    top = "" if b.open_top else f'<polygon points="{points(glass)}" fill="#c5cbd4"/>'
    top += "" if b.open_top else f'<polygon points="{points(pane)}" fill="#e3e7ed"/>'
    wheels = "".join(
        f'<circle cx="{160 + ax * scale:.1f}" cy="{ground - b.wheel * scale:.1f}" r="{b.wheel * scale:.1f}" '
        f'fill="#8e96a3"/><circle cx="{160 + ax * scale:.1f}" cy="{ground - b.wheel * scale:.1f}" '
        f'r="{b.wheel * scale * 0.58:.1f}" fill="#dde1e7"/>'
        for ax in (b.length / 2 - b.front_axle, b.length / 2 - b.front_axle - b.wheelbase)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 240">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0" stop-color="#f3f5f8"/><stop offset="1" stop-color="#e2e6ec"/></linearGradient></defs>'
        '<rect width="320" height="240" fill="url(#g)"/>'
        f'<ellipse cx="160" cy="{ground + 2}" rx="{b.length * scale * 0.55:.0f}" ry="6" fill="#d3d8df"/>'
        f'{top}<polygon points="{points(lower)}" fill="#c5cbd4"/>{wheels}'
        '<text x="160" y="216" text-anchor="middle" font-family="system-ui, sans-serif" font-size="13" '
        'fill="#7d8696">No photo yet</text></svg>'
    )
