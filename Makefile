# ffh-book: every set-up step lives here, so that two commands do everything on a fresh machine.
#   make book    create .venv, execute every chapter at paper parameters, build _build/html
#   make test    create .venv if needed, run the whole suite (chapters in quick mode included)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
STAGE   := _build/stage
# The on-disk cache of expensive stages (content-hashed .npz files; see ffhlib.cache).
export FFHLIB_CACHE_DIR ?= $(CURDIR)/.cache/ffhlib
export PYDEVD_DISABLE_FILE_VALIDATION := 1

CHAPTERS := $(sort $(wildcard book/[0-9][0-9]_*.ipynb))
APPENDIX := $(sort $(wildcard book/[a-z]*.ipynb))
PAGES    := $(wildcard book/*.md)
IMAGES   := $(wildcard book/images/*)
LIBSRC   := $(shell find src/ffhlib -name '*.py' 2>/dev/null)
EXECUTED := $(CHAPTERS:%=$(STAGE)/%)
EXECUTED_APPENDIX := $(APPENDIX:%=$(STAGE)/%)
JB_FLAGS := -W -n --keep-going

.PHONY: help venv test book chapter bench check lint clean distclean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[book,dev]'
	touch $@

venv: $(STAMP)  ## create .venv and install the project with its extras

test: $(STAMP)  ## run the whole suite: library, chapters in quick mode under papermill, lint
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff over the library, tests and benchmarks
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)  ## run the benchmarks; one JSON object per line
	@for b in benchmarks/bench_*.py; do $(BIN)/python $$b; done

# --- the book ----------------------------------------------------------------------------------
# Chapters are executed by papermill into a staging copy of the book under _build/ (sources stay
# clean); Jupyter Book then builds that copy with execute_notebooks: off. A chapter is re-executed
# only when its source or the library changed (its expensive stages are also cached on disk).
$(STAGE)/_config.yml: _config.yml _toc.yml references.bib $(PAGES) $(IMAGES)
	mkdir -p $(STAGE)/book/images
	cp _config.yml _toc.yml references.bib $(STAGE)/
	cp $(PAGES) $(STAGE)/book/
	$(if $(IMAGES),cp $(IMAGES) $(STAGE)/book/images/)
	touch $@

$(STAGE)/book/%.ipynb: book/%.ipynb $(LIBSRC) | $(STAMP) $(STAGE)/_config.yml
	$(BIN)/papermill --cwd book --log-level WARNING $< $(@D)/.tmp-$(@F) $(ARGS)
	mv $(@D)/.tmp-$(@F) $@

# Appendix notebooks (parameters, reproducibility) read the executed chapters: run them last.
$(EXECUTED_APPENDIX): $(EXECUTED)

book: $(STAMP) $(STAGE)/_config.yml $(EXECUTED) $(EXECUTED_APPENDIX)  ## execute every chapter (paper parameters) and build _build/html
	$(BIN)/jupyter-book build $(JB_FLAGS) $(STAGE) --path-output .
	@echo "book: open _build/html/index.html"

chapter: $(STAMP) $(STAGE)/_config.yml  ## rerun one chapter with other parameters: make chapter NB=04_full_force ARGS="-p seed 3"
	@test -n "$(NB)" || { echo "usage: make chapter NB=04_full_force ARGS='-p hint_gain 0.5'"; exit 2; }
	@test -f book/$(NB).ipynb || { echo "no chapter book/$(NB).ipynb"; exit 2; }
	$(BIN)/papermill --cwd book --log-level WARNING book/$(NB).ipynb $(STAGE)/book/.tmp-$(NB).ipynb $(ARGS)
	mv $(STAGE)/book/.tmp-$(NB).ipynb $(STAGE)/book/$(NB).ipynb
	$(MAKE) --no-print-directory book ARGS=

check: book  ## build the book, then open every page in headless Chromium and check figures and links
	FFH_BROWSER_CHECK=1 $(BIN)/python -m pytest -m browser tests/test_browser.py

clean:  ## remove the built book and the cache of computed stages
	rm -rf _build .cache

distclean: clean  ## also remove the virtual environment
	rm -rf $(VENV)
