"""nbgrader's configuration for `make lab`: the course's own, for the extensions inside JupyterLab.

`make lab` puts this folder on `JUPYTER_CONFIG_PATH`. nbgrader's server extensions (Validate,
the formgrader, the Assignments and Courses panels) look for `nbgrader_config.py` on Jupyter's
config path and in the server's working folder, never in `autograder/`, so without this file
they ran unconfigured: Validate with nbgrader's default 30 s per cell, an empty formgrader and
an "Unwritable directory" exchange error. This file adds nothing but a folder: every setting
(the per-cell limit `Execute.timeout`, the layout, the gradebook that `python -m autograder
grade` writes) comes from `autograder/nbgrader_config.py`, the single source.
"""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

COURSE_CONFIG = Path(__file__).resolve().parent.parent / "nbgrader_config.py"
if not COURSE_CONFIG.is_file():  # load_subconfig would skip a missing file without a word
    raise FileNotFoundError(f"the course's nbgrader configuration is missing: {COURSE_CONFIG}")
load_subconfig(COURSE_CONFIG.name, path=str(COURSE_CONFIG.parent))  # noqa: F821 (traitlets)

# A single-user setup needs no shared exchange, but nbgrader checks that its folder exists and
# is writable on every formgrader page: give it the course's own (git-ignored) folder.
Path(c.Exchange.root).mkdir(parents=True, exist_ok=True)
