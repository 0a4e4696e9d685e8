"""Command line: a gallery PNG and data set statistics (`python -m utils.scenes --help`)."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from utils.scenes.cache import cache_dir, load_scenes
from utils.scenes.generate import SPLITS, SceneConfig, _scene_item
from utils.text import tokenize

DESCRIPTION = "Scenes: the course's default data set of procedurally drawn, captioned images."

def gallery(path: str | Path, config: SceneConfig | None = None, n: int = 16, split: str = "train") -> Path:
    """Write a PNG of the first n images of a split, each with one of its captions."""
    from utils import plots

    config = config or SceneConfig()
    items = [_scene_item(config.seed, split, i, config.size, config.captions_per_image) for i in range(n)]
    fig = plots.image_grid([image for image, *_ in items],
                           [captions[i % len(captions)] for i, (_, captions, *_) in enumerate(items)],
                           ncols=4, title=f"Scenes ({split} split, seed {config.seed}): one caption per image")
    return plots.save(fig, path)


def stats(config: SceneConfig | None = None, progress: bool = True) -> dict[str, Any]:
    """Counts per split, vocabulary size and class / colour / background / caption-length stats."""
    config = config or SceneConfig()
    splits = {s: load_scenes(s, config, progress) for s in SPLITS}
    train = splits["train"]
    objects = [o for objs in train.objects or [] for o in objs]
    lengths = np.array([len(tokenize(c)) for c in train.captions])
    return {
        "images": {s: len(d) for s, d in splits.items()} | {"binding": config.n_binding},
        "captions": {s: len(d.captions) for s, d in splits.items()},
        "vocabulary": len({t for c in train.captions for t in tokenize(c)}),
        "objects per image": dict(sorted(Counter(len(objs) for objs in train.objects or []).items())),
        "classes": dict(Counter(o.label for o in objects).most_common()),
        "colours": dict(Counter(o.colour for o in objects).most_common()),
        "backgrounds": dict(Counter(train.backgrounds or []).most_common()),
        "words per caption": {"mean": round(float(lengths.mean()), 2), "min": int(lengths.min()),
                              "max": int(lengths.max())},
    }


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m utils.scenes --gallery PATH.png` and/or `--stats`."""
    parser = argparse.ArgumentParser(prog="python -m utils.scenes", description=DESCRIPTION)
    parser.add_argument("--gallery", metavar="PATH.png", help="write a gallery of 16 images")
    parser.add_argument("--stats", action="store_true", help="print data set statistics")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    args = parser.parse_args(argv)
    if not (args.gallery or args.stats):
        parser.error("nothing to do: give --gallery PATH.png and/or --stats")
    config = SceneConfig(seed=args.seed)
    if args.gallery:
        print(f"wrote {gallery(args.gallery, config)}")
    if args.stats:
        print(f"Scenes statistics (train split unless noted; cache {cache_dir(config)})")
        for key, value in stats(config).items():
            print(f"  {key}: {value}")

