"""Time to draw the default Scenes set, time to load it from the cache, and peak memory.

    .venv/bin/python benchmarks/data.py [--workers N]

Uses a fresh temporary COURSE_DATA_DIR, so the numbers never depend on an existing cache.
The load is timed in a fresh Python process (imports excluded), as a notebook would see it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

GENERATE_TARGET_S = 20.0
LOAD_TARGET_S = 2.0

_LOAD_SNIPPET = """
import time
from utils import scenes
t = time.perf_counter()
for split in scenes.SPLITS:
    scenes.load_scenes(split, progress=False)
scenes.load_binding(progress=False)
print(time.perf_counter() - t)
"""


def _verdict(value: float, target: float) -> str:
    """'ok' or 'OVER' for a measurement against its target."""
    return "ok" if value <= target else "OVER"


def main() -> None:
    """Generate, reload and report against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes for drawing (default: automatic)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scenes-bench-") as tmp:
        os.environ["COURSE_DATA_DIR"] = tmp
        from utils import scenes

        config = scenes.SceneConfig()
        t = time.perf_counter()
        data = {split: scenes.load_scenes(split, config, progress=False, workers=args.workers)
                for split in scenes.SPLITS}
        binding = scenes.load_binding(config, progress=False, workers=args.workers)
        generate_s = time.perf_counter() - t
        n_images = sum(len(d) for d in data.values()) + len(binding)
        # ru_maxrss is in KiB on Linux, bytes on macOS; worker processes are counted separately
        scale = 1 if sys.platform == "darwin" else 1024
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
        child_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale / 2**20
        out = subprocess.run([sys.executable, "-c", _LOAD_SNIPPET], capture_output=True, text=True,
                             check=True, env=os.environ.copy())
        load_s = float(out.stdout.strip().splitlines()[-1])
    print(f"Scenes default set: {n_images} images ({', '.join(f'{k} {len(v)}' for k, v in data.items())}, "
          f"binding {len(binding)}), {os.cpu_count()} CPUs")
    print(f"  generate + cache : {generate_s:6.2f} s   (target <= {GENERATE_TARGET_S:.0f} s) "
          f"{_verdict(generate_s, GENERATE_TARGET_S)}")
    print(f"  load from cache  : {load_s:6.2f} s   (target <= {LOAD_TARGET_S:.0f} s) "
          f"{_verdict(load_s, LOAD_TARGET_S)}")
    print(f"  peak memory      : {peak_mib:6.0f} MiB main process, {child_mib:.0f} MiB largest worker")


if __name__ == "__main__":
    main()
