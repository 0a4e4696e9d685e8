"""Glyphs: each class is a list of vector parts in a design box, normalised to [0, 1] at import."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import ImageDraw


@dataclass(frozen=True)
class _Part:
    """One shape of a glyph: kind in poly/ellipse/rrect/line/ring, a colour role, coordinates."""

    kind: str
    role: str
    xy: tuple[float, ...]
    width: float = 0.0  # line and ring width
    radius: float = 0.0  # corner radius of a rounded rectangle
    silhouette: bool = True  # outlined as part of the object's outer contour


def _poly(role: str, *pts: float, sil: bool = True) -> _Part:
    return _Part("poly", role, pts, silhouette=sil)


def _ell(role: str, x0: float, y0: float, x1: float, y1: float, sil: bool = True) -> _Part:
    return _Part("ellipse", role, (x0, y0, x1, y1), silhouette=sil)


def _rrect(role: str, x0: float, y0: float, x1: float, y1: float, r: float, sil: bool = True) -> _Part:
    return _Part("rrect", role, (x0, y0, x1, y1), radius=r, silhouette=sil)


def _line(role: str, width: float, *pts: float, sil: bool = False) -> _Part:
    return _Part("line", role, pts, width=width, silhouette=sil)


def _ring(role: str, width: float, x0: float, y0: float, x1: float, y1: float) -> _Part:
    return _Part("ring", role, (x0, y0, x1, y1), width=width, silhouette=False)


def _oval(role: str, cx: float, cy: float, rx: float, ry: float, angle: float,
          sil: bool = True) -> _Part:
    """A rotated ellipse as a polygon (angle in degrees, clockwise on screen)."""
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    a = math.radians(angle)
    x, y = rx * np.cos(t), ry * np.sin(t)
    pts = np.stack([cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)], 1)
    return _poly(role, *pts.ravel().tolist(), sil=sil)


def _curve(role: str, width: float, x0: float, y0: float, xm: float, ym: float, x1: float,
           y1: float) -> _Part:
    """A quadratic Bezier curve through (x0, y0) and (x1, y1) pulled towards (xm, ym)."""
    t = np.linspace(0, 1, 9)[:, None]
    p0, pm, p1 = np.array([x0, y0]), np.array([xm, ym]), np.array([x1, y1])
    pts = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * pm + t**2 * p1
    return _line(role, width, *pts.ravel().tolist())


_GLYPH_PARTS: dict[str, list[_Part]] = {
    "bird": [
        _poly("body", 0, 28, 40, 50, 36, 66, 6, 48),
        _ell("body", 18, 38, 98, 84), _ell("body", 72, 10, 116, 54),
        _poly("dark", 112, 24, 132, 33, 112, 42),
        _poly("dark", 34, 52, 74, 48, 90, 58, 50, 76, sil=False),
        _ell("white", 92, 20, 106, 34, sil=False), _ell("black", 97, 24, 104, 31, sil=False),
        _line("dark", 4, 52, 82, 50, 100), _line("dark", 4, 68, 82, 70, 100),
    ],
    "bird:fly": [
        _poly("dark", 52, 56, 74, 56, 96, 8, 84, 4),
        _poly("body", 0, 40, 30, 54, 30, 68, 0, 78),
        _ell("body", 18, 46, 104, 76), _ell("body", 86, 32, 118, 64),
        _poly("dark", 114, 42, 134, 49, 114, 56),
        _poly("body", 34, 58, 78, 58, 64, 0, 42, 10),
        _ell("white", 100, 38, 110, 48, sil=False), _ell("black", 103, 40, 109, 46, sil=False),
    ],
    "owl": [
        _rrect("wood", 0, 92, 96, 100, 3),
        _poly("body", 14, 32, 16, 0, 38, 18), _poly("body", 82, 32, 80, 0, 58, 18),
        _ell("body", 8, 12, 88, 96),
        _curve("dark", 3, 14, 50, 6, 72, 24, 90), _curve("dark", 3, 82, 50, 90, 72, 72, 90),
        _line("dark", 2.5, 36, 66, 42, 72, 48, 66), _line("dark", 2.5, 48, 66, 54, 72, 60, 66),
        _line("dark", 2.5, 42, 78, 48, 84, 54, 78),
        _ell("white", 15, 20, 47, 52, sil=False), _ell("white", 49, 20, 81, 52, sil=False),
        _ell("black", 24, 29, 38, 43, sil=False), _ell("black", 58, 29, 72, 43, sil=False),
        _poly("dark", 42, 48, 54, 48, 48, 60, sil=False),
        _line("dark", 3, 36, 90, 38, 98), _line("dark", 3, 60, 90, 58, 98),
    ],
    "dog": [
        _line("body", 8, 24, 48, 6, 18, sil=True),
        _rrect("body", 26, 60, 38, 100, 4), _rrect("body", 42, 60, 54, 100, 4),
        _rrect("body", 84, 60, 96, 100, 4), _rrect("body", 98, 60, 110, 100, 4),
        _rrect("body", 18, 36, 112, 74, 16),
        _ell("body", 86, 6, 128, 50), _rrect("body", 108, 22, 142, 46, 9),
        _poly("dark", 88, 10, 104, 10, 100, 46, 86, 38, sil=False),
        _ell("black", 134, 23, 143, 32, sil=False), _ell("black", 112, 16, 119, 23, sil=False),
    ],
    "cat": [
        _curve("body", 7, 22, 94, -8, 92, 4, 52),
        _ell("body", 10, 40, 66, 100),
        _rrect("body", 46, 62, 58, 100, 5),
        _poly("body", 44, 24, 46, 0, 62, 14), _poly("body", 62, 14, 78, 0, 80, 24),
        _ell("body", 40, 8, 84, 50),
        _poly("light", 49, 18, 50, 7, 57, 14, sil=False), _poly("light", 67, 14, 75, 7, 76, 17, sil=False),
        _ell("white", 62, 20, 74, 32, sil=False), _ell("black", 66, 21, 70, 31, sil=False),
        _poly("dark", 80, 30, 85, 30, 82, 35, sil=False),
        _line("dark", 1.5, 74, 36, 94, 32), _line("dark", 1.5, 74, 40, 94, 42),
    ],
    "rabbit": [
        _oval("body", 56, 20, 6, 21, -4), _oval("body", 71, 22, 6, 20, 18),
        _oval("light", 56, 21, 2.5, 15, -4, sil=False), _oval("light", 71, 23, 2.5, 14, 18, sil=False),
        _ell("white", 0, 60, 18, 78),
        _ell("body", 4, 50, 72, 100), _ell("body", 46, 34, 88, 70),
        _ell("body", 56, 88, 84, 100),
        _ell("black", 70, 44, 77, 51, sil=False), _ell("light", 83, 53, 89, 59, sil=False),
    ],
    "fish": [
        _poly("body", 0, 8, 46, 50, 0, 92),
        _poly("body", 66, 22, 96, 0, 112, 22),
        _poly("body", 78, 78, 92, 100, 104, 78),
        _ell("body", 28, 14, 160, 86),
        _curve("dark", 3, 118, 28, 108, 50, 118, 72),
        _ell("white", 128, 34, 146, 52, sil=False), _ell("black", 134, 38, 143, 47, sil=False),
    ],
    "tree": [
        _rrect("wood", 29, 54, 41, 100, 2), _poly("wood", 29, 92, 22, 100, 48, 100, 41, 92),
        _ell("body", 0, 22, 38, 58), _ell("body", 32, 22, 70, 58), _ell("body", 12, 0, 58, 40),
        _ell("body", 12, 34, 58, 68),
        _curve("dark", 2.5, 10, 44, 18, 52, 28, 50), _curve("dark", 2.5, 44, 52, 54, 54, 60, 44),
        _curve("dark", 2.5, 26, 22, 34, 28, 44, 22),
    ],
    "flower": [
        _line("leaf", 5, 30, 48, 30, 100, sil=True),
        _oval("leaf", 43, 78, 13, 5, -30), _oval("leaf", 17, 88, 12, 5, 30),
        *[_ell("body", 30 + 17 * math.cos(a) - 12, 28 + 17 * math.sin(a) - 12,
               30 + 17 * math.cos(a) + 12, 28 + 17 * math.sin(a) + 12)
          for a in np.linspace(0, 2 * np.pi, 6, endpoint=False) - np.pi / 2],
        _ell("dark", 20, 18, 40, 38, sil=False),
    ],
    "cactus": [
        _rrect("body", 4, 28, 18, 66, 7), _rrect("body", 4, 54, 34, 66, 6),
        _rrect("body", 58, 16, 72, 52, 7), _rrect("body", 42, 40, 72, 52, 6),
        _rrect("body", 26, 0, 50, 100, 12),
        _line("dark", 2.5, 38, 8, 38, 96), _line("dark", 2, 11, 34, 11, 60),
        _line("dark", 2, 65, 22, 65, 46),
    ],
    "boat": [
        _line("dark", 4, 60, 0, 60, 72, sil=True),
        _poly("body", 64, 4, 64, 66, 110, 66), _poly("body", 56, 14, 56, 66, 22, 66),
        _poly("body", 0, 68, 120, 68, 100, 100, 16, 100),
        _line("dark", 5, 8, 80, 112, 80),
    ],
    "plane": [
        _poly("body", 48, 48, 72, 48, 50, 0, 38, 0), _poly("body", 48, 62, 72, 62, 50, 110, 38, 110),
        _poly("body", 4, 48, 22, 48, 12, 28, 2, 28), _poly("body", 4, 62, 22, 62, 12, 82, 2, 82),
        _poly("body", 0, 48, 96, 46, 112, 49, 122, 55, 112, 61, 96, 64, 0, 62),
        _poly("glass", 100, 50, 112, 52, 112, 58, 100, 60, sil=False),
    ],
    "car": [
        _poly("body", 34, 44, 54, 6, 118, 6, 142, 44),
        _rrect("body", 0, 40, 170, 82, 12),
        _poly("glass", 48, 40, 62, 14, 84, 14, 84, 40, sil=False),
        _poly("glass", 92, 40, 92, 14, 112, 14, 128, 40, sil=False),
        _ell("tyre", 20, 62, 58, 100), _ell("tyre", 112, 62, 150, 100),
        _ell("hub", 31, 73, 47, 89, sil=False), _ell("hub", 123, 73, 139, 89, sil=False),
        _rrect("lamp", 160, 48, 170, 58, 2, sil=False),
    ],
    "balloon": [
        _line("dark", 1.5, 30, 76, 34, 88), _line("dark", 1.5, 50, 76, 46, 88),
        _ell("body", 0, 0, 80, 72), _poly("body", 8, 50, 72, 50, 50, 80, 30, 80),
        _ring("dark", 3, 20, 1, 60, 71), _line("dark", 3, 40, 1, 40, 79),
        _rrect("wood", 30, 86, 50, 100, 2),
    ],
    "ball": [
        _ell("body", 0, 0, 100, 100),
        _curve("dark", 4, 16, 14, 44, 50, 16, 86), _curve("dark", 4, 84, 14, 56, 50, 84, 86),
        _ell("light", 20, 14, 40, 32, sil=False),
    ],
    "frisbee": [
        _ell("dark", 0, 10, 140, 62), _ell("body", 0, 0, 140, 52),
        _ring("dark", 3, 24, 10, 116, 42),
    ],
    "kite": [
        _line("dark", 2, 35, 68, 26, 78, 42, 88, 30, 100),
        _poly("body", 22, 74, 32, 80, 22, 86), _poly("body", 44, 82, 34, 88, 44, 94),
        _poly("body", 35, 0, 70, 26, 35, 68, 0, 26),
        _line("dark", 2, 35, 0, 35, 68), _line("dark", 2, 0, 26, 70, 26),
    ],
    "guitar": [
        _rrect("wood", 17, 0, 33, 12, 2), _rrect("wood", 21, 8, 29, 52, 1),
        _ell("body", 6, 40, 44, 76), _ell("body", 0, 62, 50, 110),
        _ell("black", 17, 60, 33, 76, sil=False), _rrect("dark", 15, 90, 35, 95, 1, sil=False),
        _line("light", 1, 23, 10, 23, 91), _line("light", 1, 27, 10, 27, 91),
    ],
    "drum": [
        _line("wood", 4, 34, 24, 8, 0, sil=True), _line("wood", 4, 66, 24, 92, 0, sil=True),
        _ell("body", 4, 70, 96, 100), _rrect("body", 4, 30, 96, 86, 0),
        _ell("skin", 4, 18, 96, 42),
        _line("dark", 2.5, 4, 44, 20, 82, 36, 46, 52, 84, 68, 46, 84, 82, 96, 50),
    ],
}


@dataclass(frozen=True)
class _Glyph:
    """A glyph normalised so that its parts span exactly [0, 1] x [0, 1]; aspect = width / height.

    `coords` holds every part's coordinates one after the other (x, y, x, y, ...);
    part k uses coords[starts[k]:starts[k + 1]].
    """

    aspect: float
    parts: tuple[_Part, ...]
    coords: np.ndarray
    starts: tuple[int, ...]
    boxlike: np.ndarray  # 1 for coordinates of ellipse/rrect/ring parts (x0, y0, x1, y1)


def _extent(part: _Part) -> tuple[float, float, float, float]:
    """The design-space bounding box of one part (lines include half their width)."""
    if part.kind in ("ellipse", "rrect", "ring"):
        x0, y0, x1, y1 = part.xy
        return x0, y0, x1, y1
    pts = np.array(part.xy, dtype=float).reshape(-1, 2)
    if part.kind == "line":  # butt-ended segments: offset each end along the segment's normal
        d = np.diff(pts, axis=0)
        normal = np.stack([-d[:, 1], d[:, 0]], 1) / np.linalg.norm(d, axis=1, keepdims=True)
        off = normal * part.width / 2
        pts = np.concatenate([pts[:-1] + off, pts[:-1] - off, pts[1:] + off, pts[1:] - off])
    return pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()


def _normalise(parts: list[_Part]) -> _Glyph:
    """Rescale a design so that its extent is the unit square (aspect kept separately)."""
    ext = np.array([_extent(p) for p in parts])
    x0, y0 = ext[:, 0].min(), ext[:, 1].min()
    w, h = ext[:, 2].max() - x0, ext[:, 3].max() - y0
    out, coords, starts = [], [], [0]
    for p in parts:
        xy = np.array(p.xy, dtype=float)
        xy[0::2] = (xy[0::2] - x0) / w
        xy[1::2] = (xy[1::2] - y0) / h
        out.append(dataclasses.replace(p, xy=tuple(xy.tolist()), width=p.width / h,
                                       radius=p.radius / h))
        coords.append(xy)
        starts.append(starts[-1] + len(xy))
    boxlike = np.concatenate([np.full(len(c), p.kind in ("ellipse", "rrect", "ring"))
                              for c, p in zip(coords, parts, strict=True)])
    return _Glyph(aspect=float(w / h), parts=tuple(out), coords=np.concatenate(coords),
                  starts=tuple(starts), boxlike=boxlike)


GLYPHS: dict[str, _Glyph] = {name: _normalise(parts) for name, parts in _GLYPH_PARTS.items()}

_FIXED_ROLES: dict[str, tuple[int, int, int]] = {
    "black": (20, 20, 20), "white": (250, 250, 250), "glass": (186, 222, 242),
    "tyre": (34, 34, 34), "hub": (172, 172, 172), "wood": (124, 80, 42), "leaf": (56, 146, 52),
    "skin": (240, 230, 204), "lamp": (252, 240, 150),
}


def _luma(c: Sequence[int]) -> float:
    """Perceived brightness (0..255) of an RGB colour."""
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _role_colours(fill: tuple[int, int, int]) -> dict[str, tuple[int, int, int]]:
    """The colour of every role for an object filled with `fill` (plus its outline colour)."""
    f = np.array(fill, dtype=float)
    if _luma(fill) > 60:
        dark, outline = f * 0.55, f * 0.35
    else:  # black objects get grey details and a light outline
        dark, outline = f + (255 - f) * 0.3, f + (255 - f) * 0.55
    light = f + (255 - f) * 0.45
    roles = dict(_FIXED_ROLES)
    roles.update(body=fill, dark=tuple(int(v) for v in dark), light=tuple(int(v) for v in light),
                 outline=tuple(int(v) for v in outline))
    return roles


def _joint(xy: list[float]) -> str | None:
    """Round joints for sharp polylines only: smooth ones (ovals, curves) need none (and it is slow)."""
    return "curve" if len(xy) <= 12 else None


def _draw_glyph(draw: ImageDraw.ImageDraw, glyph: _Glyph, box: Sequence[float], flip: bool,
                fill: tuple[int, int, int], stroke: float) -> None:
    """Draw a glyph into box (x0, y0, x1, y1, canvas pixels): outline pass, fills, details."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    colours = _role_colours(fill)
    outline = colours["outline"]
    xy = glyph.coords.copy()
    if flip:  # mirror left-right; boxes (x0, y0, x1, y1) then swap x0 and x1 below
        xy[0::2] = 1.0 - xy[0::2]
    xy[0::2] = x0 + xy[0::2] * w
    xy[1::2] = y0 + xy[1::2] * h
    flat = xy.tolist()
    shapes = []
    for k, p in enumerate(glyph.parts):
        q = flat[glyph.starts[k]:glyph.starts[k + 1]]
        if flip and glyph.boxlike[glyph.starts[k]]:
            q[0], q[2] = q[2], q[0]
        shapes.append((p, q))
    s = stroke
    for p, q in shapes:  # outline pass: every silhouette part, grown by the stroke
        if not p.silhouette:
            continue
        if p.kind == "poly":  # the fill pass covers the inside; the stroke straddles the edge
            draw.line(q + q[:2], fill=outline, width=round(2 * s), joint=_joint(q))
        elif p.kind == "ellipse":
            draw.ellipse([q[0] - s, q[1] - s, q[2] + s, q[3] + s], fill=outline)
        elif p.kind == "rrect":
            draw.rounded_rectangle([q[0] - s, q[1] - s, q[2] + s, q[3] + s], p.radius * h + s,
                                   fill=outline)
        elif p.kind == "line":
            draw.line(q, fill=outline, width=round(p.width * h + 2 * s), joint=_joint(q))
    for p, q in shapes:  # fills in drawing order (silhouette parts first, then the details)
        colour = colours[p.role]
        if p.kind == "poly":
            draw.polygon(q, fill=colour)
        elif p.kind == "ellipse":
            draw.ellipse(q, fill=colour)
        elif p.kind == "rrect":
            draw.rounded_rectangle(q, p.radius * h, fill=colour)
        elif p.kind == "line":
            draw.line(q, fill=colour, width=max(1, round(p.width * h)), joint=_joint(q))
        elif p.kind == "ring":
            draw.ellipse(q, outline=colour, width=max(1, round(p.width * h)))
