"""`python -m autograder`: release, check, grade, merge, mutants, demo (each with --help)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from autograder.course import DEFAULT_WORK, REPO_ROOT, Course, ensure_tools_on_path, usable_cpus
from autograder.grade import GradeOptions

log = logging.getLogger("autograder")


def _common() -> argparse.ArgumentParser:
    """Options every command takes."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--root", type=Path, default=REPO_ROOT,
                        help="course root holding solutions/ and notebooks/ (default: this repo)")
    parser.add_argument("--course-dir", type=Path, default=DEFAULT_WORK,
                        help="work folder for the gradebook, submitted/, autograded/, feedback/, "
                             "results and caches (default: autograder/work)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="folder of the solutions' cached expected runs and of the data cache "
                             "(default: the course dir); share it between runs and shards so "
                             "each solution runs once until it changes")
    parser.add_argument("-v", "--verbose", action="store_true", help="log nbgrader's progress too")
    return parser


def _grading_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by grade and demo."""
    parser.add_argument("--workers", type=int, default=usable_cpus(),
                        help="parallel grading processes (default: one per CPU this process may use)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="where notebooks and hidden checks run, via COURSE_DEVICE "
                             "(auto: cuda when present)")
    parser.add_argument("--timeout", type=float, default=0,
                        help="wall-clock seconds per submission (default: 4x the solution's "
                             "run time + 30 s, at least 30 s)")
    parser.add_argument("--cell-timeout", type=int, default=0,
                        help="seconds per cell (default: Execute.timeout in nbgrader_config.py)")
    parser.add_argument("--memory-limit", type=int, default=GradeOptions.memory_mb, metavar="MB",
                        help="kill a kernel whose process tree uses more memory (default 4096)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run kernels without bubblewrap: student code could read any file "
                             "this user can, so a submission whose code reaches outside its "
                             "notebook gets its points withheld (grade refuses to run without "
                             "the sandbox unless told this)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common()

    release = commands.add_parser("release", parents=[common], help="generate notebooks/ from "
                                  "solutions/", description="Generate notebooks/ from solutions/ "
                                  "with nbgrader: outputs stripped, stable cell ids, leak-checked, "
                                  "swapped in only when complete.")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                         help="assignment folders to release (default: all)")

    check = commands.add_parser("check", parents=[common], help="is the course releasable and "
                                "gradable?", description="(a) solutions pass their checks, (b) "
                                "releases fail only their graded checks, (c) nothing leaks, (d) "
                                "notebooks/ is a fresh release, (e) check cells are "
                                "self-contained (the solution without its demo cells passes). "
                                "Exits 1 if any check fails.")
    check.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    check.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu")
    check.add_argument("--timeout", type=float, default=1800, help="seconds per notebook run")
    check.add_argument("--workers", type=int, default=usable_cpus(),
                       help="notebook runs at a time (default: one per CPU this process may use)")

    grade = commands.add_parser("grade", parents=[common], help="grade a class of submissions",
                                description="Grade submissions (nbgrader layout "
                                "<student>/<assignment>/*.ipynb, or a flat folder of "
                                "<student>_anything.ipynb): writes grades.csv and one feedback "
                                "HTML per submission; already graded submissions are skipped.")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS")
    grade.add_argument("--assignment", help="grade only this assignment (required for a flat folder "
                       "when the course has several)")
    _grading_options(grade)
    grade.add_argument("--force", action="store_true", help="regrade what is already graded (lifting an earlier withholding first)")
    grade.add_argument("--checks-only", action="store_true",
                       help="skip the notebook's given demo cells (faster; the same scores, as "
                            "check cells are self-contained: `check` (e) proves it)")
    grade.add_argument("--shard", metavar="K/N", help="grade only the K-th of N chunks of the "
                       "submissions sorted by student (1 <= K <= N), for array jobs")
    grade.add_argument("--csv", type=Path, help="where to write the CSV "
                       "(default: COURSE_DIR/grades.csv)")

    merge = commands.add_parser("merge", parents=[common], help="combine per-shard CSVs",
                                description="Combine the grades CSVs of several shards into one.")
    merge.add_argument("inputs", nargs="+", type=Path, metavar="CSV")
    merge.add_argument("-o", "--output", type=Path, required=True, help="merged CSV to write")

    mutants = commands.add_parser(
        "mutants", parents=[common], help="do the hidden checks catch wrong answers?",
        description="Mutation tests: grade each assignment's wrong variants (they must lose "
        "points on their exercise) and correct alternatives (they must keep full marks) from "
        "tests/mutants/<assignment>.py and, written from the released notebook alone, "
        "tests/mutants/blind/<assignment>.py, in checks-only mode; own and blind counts are "
        "reported apart. Exits 1 unless all pass.")
    mutants.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    mutants.add_argument("--variants", type=Path, nargs="+", help="the variants files (default: "
                         "ROOT/tests/mutants/<assignment>.py and ROOT/tests/mutants/blind/"
                         "<assignment>.py; a file in a folder named blind counts as blind; only "
                         "with one assignment)")
    mutants.add_argument("--workers", type=int, default=usable_cpus(),
                         help="parallel grading processes (default: one per CPU)")
    mutants.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                         help="grade on this device (default cpu); variants marked "
                         "@mutant(..., needs='cuda') are graded only with --device cuda")

    demo = commands.add_parser("demo", parents=[common], help="grade a small planted class",
                               description="Release an assignment privately, build a class "
                               "(perfect, blank, two partial, a looper, a tamperer), grade it and "
                               "print the table (what `make demo` runs).")
    demo.add_argument("--assignment", help="default: the first assignment, or the sample course")
    _grading_options(demo)
    return parser


def _grade(args: argparse.Namespace, course: Course, folder: Path, assignment: str | None,
           force: bool, shard: str | None, csv: Path | None) -> int:
    """Grade and print the summary; 1 when the grader itself failed on a submission."""
    from autograder import report
    from autograder.batch import SandboxMissing, grade_class, resolve_device, sandbox_available

    try:
        sandboxed = sandbox_available(not args.no_sandbox)
    except SandboxMissing as err:
        if args.command != "demo":
            print(f"grade: {err}", file=sys.stderr)
            return 2
        print(f"\n{'=' * 78}\nDEMO WITHOUT A SANDBOX: {err}.\nThe demo grades its made-up class "
              f"anyway; `grade` refuses to do this unless told --no-sandbox.\n{'=' * 78}\n",
              file=sys.stderr)
        sandboxed = False
    options = GradeOptions(device=resolve_device(args.device), deadline=args.timeout,
                           cell_timeout=args.cell_timeout, memory_mb=args.memory_limit,
                           sandboxed=sandboxed, checks_only=getattr(args, "checks_only", False))
    batch = grade_class(course, folder, assignment, options, args.workers, force, shard, csv)
    print(report.table(batch.results))
    print(f"\ngraded {batch.graded}, skipped {batch.skipped} already graded; "
          f"device {options.device}, {'sandboxed' if options.sandboxed else 'NOT sandboxed'}")
    print(f"grades: {batch.csv}\nfeedback: {course.work / 'feedback'}/<student>/<assignment>/")
    return 1 if any(r["status"] == "error" for r in batch.results) else 0


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(message)s")
    log.setLevel(logging.INFO)
    if not args.verbose:  # nbgrader's apps log through traitlets' logger and reset its level
        for handler in logging.getLogger().handlers:
            handler.addFilter(lambda r: r.name != "traitlets" or r.levelno >= logging.WARNING)
    ensure_tools_on_path()
    course = Course(args.root.resolve(), args.course_dir.resolve(),
                    args.cache_dir.resolve() if args.cache_dir else None)
    if args.command == "release":
        from autograder.release import ReleaseError, release

        try:
            print("\n".join(release(course, args.assignments)))
        except ReleaseError as err:
            print(f"release failed, notebooks/ unchanged: {err}", file=sys.stderr)
            return 1
        return 0
    if args.command == "check":
        from autograder.batch import resolve_device
        from autograder.check import check

        passed, text = check(course, args.assignments, resolve_device(args.device), args.timeout,
                             args.workers)
        print(text)
        return 0 if passed else 1
    if args.command == "grade":
        return _grade(args, course, args.submissions.resolve(), args.assignment, args.force,
                      args.shard, args.csv)
    if args.command == "merge":
        from autograder.report import merge

        print(f"{merge(args.inputs, args.output)} rows -> {args.output}")
        return 0
    if args.command == "mutants":
        from autograder.mutation import run, variant_files

        names = course.resolve(args.assignments)
        if args.variants and len(names) != 1:
            raise SystemExit("--variants goes with exactly one assignment")
        reports = [run(course, name, args.variants or variant_files(course.root, name),
                       args.workers, args.device) for name in names]
        print("\n".join(report.table() for report in reports))
        return 0 if all(report.ok for report in reports) else 1
    from autograder.demo import demo_course, make_class

    demo, assignment = demo_course(course, course.work / "demo")
    if args.assignment:
        assignment = demo.resolve([args.assignment])[0]
    students = make_class(demo, assignment, demo.work / "class")
    print(f"demo class for {assignment}: {', '.join(students)}")
    return _grade(args, demo, demo.work / "class", assignment, True, None, None)
