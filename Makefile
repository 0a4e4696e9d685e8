# One install path for everyone: `make demo`, `make lab`, `make test` and `.ci/run` all go through `.venv`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: demo lab test lint venv constraints system-deps clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(STAMP)

constraints: $(STAMP)  ## rewrite constraints.txt from the venv (after changing a pin in pyproject.toml)
	{ sed -n '1,2p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^streetlight-to-clip'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

demo: $(STAMP)  ## Scenes gallery + statistics, then release and grade a small demo class
	$(BIN)/python -m utils.scenes --gallery build/gallery.png --stats
	$(BIN)/python -m autograder demo

# JupyterLab serves the repository (the formgrader needs the course inside its root) and opens at
# notebooks/; autograder/lab/ on JUPYTER_CONFIG_PATH gives nbgrader's Validate and formgrader the
# course's configuration. Extra server options: make lab LAB_ARGS="--no-browser --port=8890".
lab: $(STAMP)  ## open JupyterLab on the student notebooks, with Validate and the formgrader configured
	PATH="$(abspath $(BIN)):$$PATH" JUPYTER_CONFIG_PATH="$(CURDIR)/autograder/lab$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(BIN)/jupyter lab --notebook-dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks $(LAB_ARGS)

lint: $(STAMP)  ## ruff on the code, the tests and the notebooks' paired sources
	$(BIN)/ruff check .

test: lint  ## the README's test command: lint, unit tests, every solution run once, grading, mutants
	$(BIN)/python -m pytest

system-deps:  ## the system packages a TA wants (Debian/Ubuntu, needs root): sandbox, Slurm test, browser test
	@command -v apt-get >/dev/null || { echo "system-deps: no apt-get here; install bubblewrap (and slurm-wlm, munge, chromium for their tests) with your package manager"; exit 1; }
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq bubblewrap slurm-wlm munge chromium

clean:
	rm -rf $(VENV) autograder/work build .pytest_cache
