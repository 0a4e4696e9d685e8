"""nbgrader configuration of the course (nbgrader 0.9.6).

`python -m autograder` loads this file and points the course directory at its work folder. Plain
nbgrader reads it too when run from this folder (`cd autograder && nbgrader autograde ...`);
then the source is `solutions/`, the release `notebooks/`, and everything nbgrader writes goes to
`autograder/work/` (git-ignored). Without the CLI's probe folders, hidden checks compare with the
solution inside the kernel ("local" mode, see `autograder/reference.py`), with no sandbox.
"""

from pathlib import Path

from autograder.course import IGNORE, paired_text_globs

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(__file__).resolve().parent / "work"
WORK.mkdir(exist_ok=True)  # SQLite creates the gradebook file, not its folder

# Layout: one assignment per folder, solutions/NN_name/name.ipynb -> notebooks/NN_name/name.ipynb.
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "autograder/work/submitted"
c.CourseDirectory.autograded_directory = "autograder/work/autograded"
c.CourseDirectory.feedback_directory = "autograder/work/feedback"
c.CourseDirectory.solution_directory = "autograder/work/solution"
# ?timeout=: concurrent writers (parallel workers) wait for the SQLite lock instead of failing.
c.CourseDirectory.db_url = f"sqlite:///{WORK / 'gradebook.db'}?timeout=120"
# The jupytext twin of each source notebook holds the solutions: never copy it anywhere.
c.CourseDirectory.ignore = [*IGNORE, *paired_text_globs(ROOT / "solutions")]
c.Exchange.root = str(WORK / "exchange")

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The per-cell limit is Execute.timeout (ExecutePreprocessor.timeout is ignored by nbgrader).
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True
c.Autograde.autograde_preprocessors = [
    "autograder.execute.GradingExecute",  # nbgrader's Execute + deadline, sandbox, hidden checks
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# A correct answer that happens to warn or show a progress bar keeps its points: nbgrader scores
# a test cell with any stderr output 0, so drop stderr outputs that are warnings, tqdm bars or
# blank (the newline a closing bar writes).
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"\w+Warning: |\d+%\|.*\| *\d+/\d+ \[|\A\s*\Z"
# A deleted or renamed test cell is put back and run (nbgrader's default leaves it out); our
# OverwriteCells fixes the KeyErrors nbgrader 0.9.6 raises on renamed ids and runs of deleted cells.
c.OverwriteCells.add_missing_cells = True
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograder.sanitize.RobustOverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback never shows hidden tests: not their source (ClearHiddenTests), not their tracebacks
# or outputs (HiddenTestDetails keeps one line per error of a cell that holds hidden tests).
c.GenerateFeedback.exporter_class = "autograder.feedback.FeedbackExporter"  # cached rendering
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.feedback.HiddenTestDetails",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
