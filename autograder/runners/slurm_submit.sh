#!/usr/bin/env bash
# Grade a class on Slurm: an array job of SHARDS tasks (slurm_grade.sbatch, one GPU each), then a
# merge job (slurm_merge.sbatch) that runs after the whole array and writes OUT/grades.csv.
#
#   autograder/runners/slurm_submit.sh SUBMISSIONS OUT [GRADE OPTIONS...]
#   e.g. SHARDS=8 PARTITION=gpu autograder/runners/slurm_submit.sh /shared/subs /shared/out --assignment 01_x
#
# Environment (defaults in brackets): SHARDS [4], PARTITION [the cluster's default],
# GRES [gpu:1; empty for none], DEVICE [cuda], CPUS per task [4], TIME per task [04:00:00],
# MERGE_PARTITION [PARTITION], SBATCH_FLAGS [extra flags for both jobs, e.g. --account=x],
# PYTHON [REPO/.venv/bin/python], COURSE_ROOT [REPO]. Prints the two job ids.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SUBMISSIONS=$(realpath "$1")
OUT=$(realpath -m "$2")
shift 2
SHARDS=${SHARDS:-4} GRES=${GRES-gpu:1} DEVICE=${DEVICE:-cuda}
PARTITION=${PARTITION:-} MERGE_PARTITION=${MERGE_PARTITION:-${PARTITION:-}}
mkdir -p "$OUT/logs"
export AG_REPO=$REPO SHARDS DEVICE
read -r -a extra <<< "${SBATCH_FLAGS:-}"

array=$(sbatch --parsable --array="1-$SHARDS" ${PARTITION:+--partition="$PARTITION"} \
    ${GRES:+--gres="$GRES"} --cpus-per-task="${CPUS:-4}" --time="${TIME:-04:00:00}" \
    --output="$OUT/logs/shard-%a.out" --export=ALL "${extra[@]}" \
    "$HERE/slurm_grade.sbatch" "$SUBMISSIONS" "$OUT" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterany:$array" ${MERGE_PARTITION:+--partition="$MERGE_PARTITION"} \
    --output="$OUT/logs/merge.out" --export=ALL "${extra[@]}" "$HERE/slurm_merge.sbatch" "$OUT" "$SHARDS")
merge=${merge%%;*}
echo "array job $array ($SHARDS shards, logs $OUT/logs/shard-K.out), merge job $merge -> $OUT/grades.csv"
echo "watch: squeue -j $array,$merge    cancel: scancel $array $merge"
