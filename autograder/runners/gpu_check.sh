#!/usr/bin/env bash
# GPU parity check: every solution notebook and every hidden check run with --device cuda, and
# the scores of a small class (the solution as a perfect submission, the untouched release, two
# partial ones) must equal a CPU run. One line per notebook; exit 1 on any difference.
#
#   autograder/runners/gpu_check.sh [ASSIGNMENT...]      (on a machine with an NVIDIA GPU)
#
# Environment: PYTHON (default .venv/bin/python), COURSE_ROOT (default: this repository),
# NO_SANDBOX=1 to grade without bubblewrap (grade refuses otherwise where it is missing).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-$REPO/.venv/bin/python}
ROOT=${COURSE_ROOT:-$REPO}
export PATH="$(dirname "$PY"):$PATH"

if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    echo "gpu_check: no CUDA GPU visible to torch on $(hostname); run this on a GPU runner" >&2
    exit 2
fi

WORK=$(mktemp -d -t gpu-check-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mapfile -t ASSIGNMENTS < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else
    "$PY" -c "from autograder.course import Course; from pathlib import Path
print('\n'.join(Course(Path('$ROOT')).assignments()))"; fi)

status=0
for A in "${ASSIGNMENTS[@]}"; do
    "$PY" - "$ROOT" "$A" "$WORK/class-$A" <<'PYEOF'
import sys
from pathlib import Path
from autograder.course import Course
from autograder.demo import build_class
from autograder.release import generate
course, assignment, folder = Course(Path(sys.argv[1]), Path(sys.argv[3] + "-work")), sys.argv[2], Path(sys.argv[3])
course.work.mkdir(parents=True)
temp = generate(course, [assignment], course.work)
for release in sorted((temp / "release" / assignment).glob("*.ipynb")):
    build_class(release, course.solutions / assignment / release.name, folder)
PYEOF
    rm -rf "$WORK/class-$A"/{looper,tamperer}
    for DEVICE in cpu cuda; do
        "$PY" -m autograder grade "$WORK/class-$A" --root "$ROOT" --assignment "$A" \
            --device "$DEVICE" --course-dir "$WORK/$DEVICE" --csv "$WORK/$A-$DEVICE.csv" \
            ${NO_SANDBOX:+--no-sandbox} \
            > "$WORK/$A-$DEVICE.log" 2>&1 || { echo "$A: grading on $DEVICE failed:"; tail -20 "$WORK/$A-$DEVICE.log"; status=1; continue 2; }
    done
    "$PY" - "$WORK" "$A" "$ROOT" <<'PYEOF' || status=1
import csv, json, sys
from pathlib import Path
work, assignment, root = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
rows = {d: {r["student"]: r for r in csv.DictReader(open(work / f"{assignment}-{d}.csv"))} for d in ("cpu", "cuda")}
seconds = {d: sum(json.loads(p.read_text())["elapsed"] for p in (work / d / "expected").glob(f"{assignment}-{d}-*/run.json")) for d in rows}
diffs = [f"{s}: {k} cpu={rows['cpu'][s][k]} cuda={rows['cuda'].get(s, {}).get(k)}" for s in rows["cpu"]
         for k in rows["cpu"][s] if k not in ("sandboxed",) and rows["cpu"][s][k] != rows["cuda"].get(s, {}).get(k)]
perfect = rows["cuda"].get("perfect", {})
for nb in sorted((root / "solutions" / assignment).glob("*.ipynb")):
    print(f"{assignment}/{nb.name}: solution {seconds['cpu']:.1f} s cpu, {seconds['cuda']:.1f} s cuda; "
          f"perfect {perfect.get('total')}/{perfect.get('max')} on cuda; "
          + ("scores match cpu" if not diffs else "MISMATCH: " + "; ".join(diffs)))
sys.exit(1 if diffs or perfect.get("total") != perfect.get("max") else 0)
PYEOF
done
exit $status
