# One install path for everyone: `make demo`, `make lab`, `make test` and `.ci/run` all go through `.venv`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: demo lab hub hub-deps test lint venv constraints system-deps clean

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

# The local JupyterHub class (autograder/hub/): its proxy, configurable-http-proxy, is pinned in
# autograder/hub/package-lock.json and installed there by npm (never globally); it needs Node.js
# >= 20. Options: make hub HUB_ARGS="--port 8000 --students 4 --no-sandbox --checks-only".
HUB_DIR   := autograder/hub
HUB_STAMP := $(HUB_DIR)/node_modules/.installed

hub-deps: $(HUB_STAMP)  ## the hub's proxy, from the npm registry into autograder/hub/node_modules

$(HUB_STAMP): $(HUB_DIR)/package.json $(HUB_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "make hub needs Node.js >= 20 with npm (https://nodejs.org; Debian 12's own nodejs is 18, too old)"; exit 1; }
	npm ci --prefix $(HUB_DIR) --no-audit --no-fund --loglevel=error
	touch $(HUB_STAMP)

hub: $(STAMP) $(HUB_STAMP)  ## a local JupyterHub class on loopback: instructor + students, formgrader, exchange
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m autograder.hub $(HUB_ARGS)

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
