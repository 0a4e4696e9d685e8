"""Drawing: background gradients and textures, and a sampled scene rendered at 4x then reduced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from utils.scenes.glyphs import GLYPHS, _draw_glyph

if TYPE_CHECKING:
    from utils.scenes.layout import _Scene

SUPERSAMPLE = 4  # glyphs are drawn at 4x and box-filtered down (anti-aliasing)
_STROKE = 0.75  # outline width in pixels at 64x64

_HORIZONS: dict[str, tuple[float, float] | None] = {
    "sky": None, "field": (0.3, 0.5), "water": (0.25, 0.4), "jungle": None,
    "night": (0.45, 0.6), "desert": (0.3, 0.45), "snow": (0.3, 0.45),
}
# (top colour, bottom colour) of the sky part and of the ground part of each background.
_PALETTES: dict[str, tuple[tuple[tuple[int, int, int], tuple[int, int, int]], ...]] = {
    "sky": (((80, 152, 232), (178, 214, 248)),),
    "field": (((96, 160, 232), (186, 218, 246)), ((122, 186, 74), (64, 138, 46))),
    "water": (((104, 168, 234), (190, 220, 246)), ((70, 138, 204), (24, 70, 150))),
    "jungle": (((34, 100, 50), (18, 58, 30)),),
    "night": (((8, 12, 40), (34, 44, 92)), ((22, 38, 32), (10, 20, 16))),
    "desert": (((150, 196, 236), (214, 228, 240)), ((232, 200, 136), (206, 164, 98))),
    "snow": (((150, 176, 206), (206, 218, 232)), ((244, 246, 252), (214, 224, 238))),
}


def _gradient(rng: np.random.Generator, top: Sequence[int], bottom: Sequence[int],
              rows: int) -> np.ndarray:
    """(rows, 3) colours of a vertical gradient with a small random shift."""
    t = (np.arange(rows, dtype=np.float32) / max(rows - 1, 1))[:, None]
    top32, bottom32 = np.asarray(top, np.float32), np.asarray(bottom, np.float32)
    shift = rng.uniform(-12, 12) + rng.uniform(-4, 4, 3)  # mostly brightness: no colour casts
    return (1 - t) * top32 + t * bottom32 + shift.astype(np.float32)


def _paint_background(rng: np.random.Generator, name: str, n: int) -> tuple[np.ndarray, float | None]:
    """The background's base image (n, n, 3) uint8 and its horizon (fraction of height) if any."""
    span = _HORIZONS[name]
    horizon = None if span is None else float(rng.uniform(*span))
    palette = _PALETTES[name]
    if horizon is None:
        rows = _gradient(rng, *palette[0], n)
    else:
        cut = round(horizon * n)
        rows = np.concatenate([_gradient(rng, *palette[0], cut), _gradient(rng, *palette[1], n - cut)])
    noise = rng.standard_normal((n, n, 1), dtype=np.float32) * 3.0
    return np.clip(rows[:, None, :] + noise, 0, 255).astype(np.uint8), horizon


_LEAF_T = np.linspace(0, np.pi, 7)
_LEAF = np.stack([np.concatenate([np.cos(_LEAF_T), np.cos(_LEAF_T[::-1])]) / 2,
                  np.concatenate([np.sin(_LEAF_T), -np.sin(_LEAF_T[::-1])]) / 5], 1)  # unit leaf


def _blob(draw: ImageDraw.ImageDraw, cx: float, cy: float, rx: float, ry: float,
          fill: tuple[int, int, int]) -> None:
    """A filled ellipse given by centre and radii."""
    draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fill)


def _draw_texture(draw: ImageDraw.ImageDraw, rng: np.random.Generator, name: str, n: int,
                  horizon: float | None) -> None:
    """Clouds, grass, waves, leaves, stars, dunes or snow on the supersampled canvas."""
    c = n * SUPERSAMPLE  # canvas size
    hz = c * (horizon if horizon is not None else 1.0)
    if name in ("sky", "field", "water", "desert", "snow"):
        for _ in range(int(rng.integers(1, 4) if name == "sky" else rng.integers(0, 2))):
            cx, cy = rng.uniform(0, c), rng.uniform(0.04 * c, max(0.05 * c, hz - 0.08 * c))
            shade = tuple(rng.integers(232, 250, 3).tolist())
            for dx, dy, rx, ry in rng.uniform([-0.09, -0.02, 0.05, 0.025], [0.09, 0.02, 0.09, 0.045],
                                              (4, 4)) * c:
                _blob(draw, cx + dx, cy + dy, rx, ry, shade)
    if name == "field":
        lines = rng.uniform([0, hz + 0.02 * c, -4, 6], [c, c, 4, 14], (28, 4))
        greens = rng.integers([40, 110, 30], [80, 150, 50], (28, 3)).tolist()
        for (x, y, dx, dy), g in zip(lines.tolist(), greens, strict=True):
            draw.line([x, y, x + dx, y - dy], fill=tuple(g), width=2)
    elif name == "water":
        waves = rng.uniform([-0.05 * c, hz + 0.02 * c, 0.05 * c], [c, c, 0.12 * c], (18, 3))
        for x, y, w in waves.tolist():
            draw.arc([x, y, x + w, y + 0.05 * c], 200, 340, fill=(150, 196, 236), width=3)
    elif name == "jungle":
        x, y, length, a = rng.uniform([0, 0, 0.05 * c, 0], [c, c, 0.11 * c, np.pi], (30, 4)).T
        greens = rng.integers([20, 80, 24], [70, 150, 60], (30, 3)).tolist()
        cos, sin = (np.cos(a) * length)[:, None], (np.sin(a) * length)[:, None]
        px = x[:, None] + _LEAF[:, 0] * cos - _LEAF[:, 1] * sin
        py = y[:, None] + _LEAF[:, 0] * sin + _LEAF[:, 1] * cos
        for pts, g in zip(np.stack([px, py], 2).reshape(30, -1).tolist(), greens, strict=True):
            draw.polygon(pts, fill=tuple(g))
        for x, dx, y in rng.uniform([0, -0.1 * c, 0.3 * c], [c, 0.1 * c, 0.7 * c], (3, 3)).tolist():
            draw.line([x, 0, x + dx, y], fill=(40, 70, 30), width=3)
    elif name == "night":
        stars = rng.uniform([0, 0, 190], [c, hz, 256], (int(rng.integers(18, 36)), 3))
        for x, y, v in stars.tolist():
            draw.rectangle([x, y, x + 3, y + 3], fill=(int(v), int(v), int(v * 0.9)))
        if rng.random() < 0.7:
            r = 0.06 * c
            _blob(draw, rng.uniform(r, c - r), rng.uniform(r, max(r + 1, hz - r)), r, r, (242, 238, 204))
    elif name == "desert":
        xs = np.linspace(0, c, 17)
        for k, tone in enumerate(((214, 176, 110), (196, 152, 90))):
            ys = hz + (0.12 + 0.25 * k) * c + np.sin(xs / c * rng.uniform(4, 8) + rng.uniform(0, 6)) * 0.04 * c
            draw.polygon([*np.stack([xs, ys], 1).ravel().tolist(), c, c, 0, c], fill=tone)
    elif name == "snow":
        xs = np.linspace(0, c, 17)
        ys = hz + 0.15 * c + np.sin(xs / c * rng.uniform(3, 6) + rng.uniform(0, 6)) * 0.05 * c
        draw.polygon([*np.stack([xs, ys], 1).ravel().tolist(), c, c, 0, c], fill=(226, 234, 246))
        for x, y in rng.uniform(0, c, (25, 2)).tolist():
            draw.ellipse([x, y, x + 4, y + 4], fill=(252, 252, 255))


def _render(scene: _Scene, n: int, skip: Sequence[int] = ()) -> np.ndarray:
    """Draw a scene: background texture and objects at 4x, then box-filter down to n x n."""
    s = SUPERSAMPLE
    canvas = Image.fromarray(scene.base).resize((n * s, n * s), Image.Resampling.NEAREST)
    draw = ImageDraw.Draw(canvas)
    _draw_texture(draw, np.random.default_rng(scene.texture_seed), scene.background, n, scene.horizon)
    stroke = _STROKE * n / 64 * s
    for k, o in enumerate(scene.objects):
        if k in skip:
            continue
        glyph = GLYPHS["bird:fly" if (o.label, o.zone) == ("bird", "air") else o.label]
        _draw_glyph(draw, glyph, [v * s for v in o.box], o.flip, o.rgb, stroke)
    return np.asarray(canvas.reduce(s))
