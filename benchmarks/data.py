"""Time to draw the default Scenes set, time to load it from the cache, and peak memory.

    .venv/bin/python benchmarks/data.py [--workers N]

Uses a fresh temporary COURSE_DATA_DIR, so the numbers never depend on an existing cache.
The load is timed in a fresh Python process (imports excluded), as a notebook would see it.
Peak memory is the resident-set high-water mark (VmHWM on Linux, ru_maxrss elsewhere); most of
it is the torch import that `utils.data` needs, so the import's own share is printed too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

GENERATE_TARGET_S = 20.0
LOAD_TARGET_S = 2.0

_LOAD_SNIPPET = """
import time
from benchmarks.data import peak_mib
from utils import scenes
before = peak_mib()
t = time.perf_counter()
for split in scenes.SPLITS:
    scenes.load_scenes(split, progress=False)
scenes.load_binding(progress=False)
print(time.perf_counter() - t, before, peak_mib())
"""


def peak_mib() -> float:
    """This process's peak resident memory in MiB."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def _verdict(value: float, target: float) -> str:
    """'ok' or 'OVER' for a measurement against its target."""
    return "ok" if value <= target else "OVER"


def main() -> None:
    """Generate, reload in a fresh process and report against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes for drawing (default: automatic)")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory(prefix="scenes-bench-") as tmp:
        os.environ["COURSE_DATA_DIR"] = tmp
        from utils import scenes

        imported = peak_mib()
        config = scenes.SceneConfig()
        t = time.perf_counter()
        data = {split: scenes.load_scenes(split, config, progress=False, workers=args.workers)
                for split in scenes.SPLITS}
        binding = scenes.load_binding(config, progress=False, workers=args.workers)
        generate_s = time.perf_counter() - t
        generated = peak_mib()
        out = subprocess.run([sys.executable, "-c", _LOAD_SNIPPET], capture_output=True, text=True,
                             check=True, cwd=root, env=os.environ.copy())
        load_s, load_before, load_peak = map(float, out.stdout.split())
    n_images = sum(len(d) for d in data.values()) + len(binding)
    splits = ", ".join(f"{k} {len(v)}" for k, v in data.items())
    workers = args.workers if args.workers is not None else scenes._workers(config.n_train)
    print(f"Scenes default set: {n_images} images ({splits}, binding {len(binding)}); "
          f"{os.cpu_count()} CPUs, {workers} worker(s) for the training split")
    print(f"  generate + cache : {generate_s:6.2f} s   (target <= {GENERATE_TARGET_S:.0f} s) "
          f"{_verdict(generate_s, GENERATE_TARGET_S)}")
    print(f"  load from cache  : {load_s:6.2f} s   (target <= {LOAD_TARGET_S:.0f} s) "
          f"{_verdict(load_s, LOAD_TARGET_S)}")
    print(f"  peak memory      : generating {generated:.0f} MiB (+{generated - imported:.0f} MiB over "
          f"the {imported:.0f} MiB import); loading {load_peak:.0f} MiB "
          f"(+{load_peak - load_before:.0f} MiB over the import)")


if __name__ == "__main__":
    main()
