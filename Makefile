# Thin wrappers over `course` and `pytest`. Two commands on a fresh machine with Python 3.11:
#   make course   set up .venv and run every chapter end to end
#   make test     set up .venv and run every test (what CI runs)
# Linux laptops: `make course TORCH_INDEX=https://download.pytorch.org/whl/cpu` installs the CPU build
# of torch first (a plain torch==2.13.0 from PyPI is a multi-GB CUDA build there).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PROFILE ?=
TORCH_INDEX ?=
EXTRAS      := dev
TEST_EXTRAS := dev,reference,hub

.PHONY: setup setup-test course test lab doctor clean-home help

help:
	@echo "make course   set up .venv and run every chapter (course run)"
	@echo "make test     set up .venv and run every test (pytest, nbval, course run --profile smoke)"
	@echo "make lab      open the notebooks in JupyterLab"
	@echo "make doctor   check this machine"

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-$(EXTRAS): pyproject.toml | $(BIN)/python
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install torch==2.13.0 --index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install -e ".[$(EXTRAS)]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	touch $@

$(VENV)/.installed-$(TEST_EXTRAS): pyproject.toml | $(BIN)/python
	$(if $(TORCH_INDEX),$(BIN)/python -m pip install torch==2.13.0 --index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install -e ".[$(TEST_EXTRAS)]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (course)" >/dev/null
	$(BIN)/python -m pip check
	touch $@

setup: $(VENV)/.installed-$(EXTRAS)
setup-test: $(VENV)/.installed-$(TEST_EXTRAS)

course: setup
	$(BIN)/course run $(if $(PROFILE),--profile $(PROFILE))

lab: setup
	$(BIN)/course lab

doctor: setup
	$(BIN)/course doctor

# Every check CI makes, each in a throw-away course home at the smoke profile:
# exercises in step with solutions, pytest (unit, integration against real servers, the grader,
# nbdev export/clean drift), every notebook under nbval and through `course run`, and no file left
# behind in the repository.
test: SHELL := /bin/bash
test: setup-test
	@set -e; \
	export PATH="$(CURDIR)/$(BIN):$$PATH" JUPYTER_PATH="$(CURDIR)/$(VENV)/share/jupyter" COURSE_PROFILE=smoke \
	       PYTHONDONTWRITEBYTECODE=1; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	before=$$(git status --porcelain --untracked-files=all 2>/dev/null || true); \
	echo "== exercises/ in step with solutions/"; \
	$(BIN)/course assign --check; \
	echo "== pytest"; \
	COURSE_HOME="$$tmp/pytest-home" $(BIN)/python -m pytest tests -q -ra; \
	echo "== nbval: every notebook, real kernel, smoke profile"; \
	COURSE_HOME="$$tmp/nbval-home" $(BIN)/python -m pytest --nbval-lax --nbval-kernel-name python3 -q nbs; \
	echo "== papermill: course run --profile smoke"; \
	COURSE_HOME="$$tmp/run-home" $(BIN)/course run --profile smoke; \
	after=$$(git status --porcelain --untracked-files=all 2>/dev/null || true); \
	if [ "$$before" != "$$after" ]; then \
	  echo "the tests left files in the repository:"; diff <(echo "$$before") <(echo "$$after") || true; exit 1; \
	fi; \
	echo "== all checks passed"

clean-home: setup
	$(BIN)/course reset
