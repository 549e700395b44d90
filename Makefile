# StaffGuide: `make demo` and `make test` work from a clean clone; nothing is installed by hand.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
PYTHON ?= python3
EMU    := tests/emulator
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test check bench lint eval clean help
.DEFAULT_GOAL := help

help:
	@echo "make demo   create .venv, install, build the index, answer a sample question"
	@echo "make test   install test needs (Python and the npm Bot API emulator), run the checks and pytest"
	@echo "make check  ruff (lint and format) and mypy"
	@echo "make bench  print search and bot benchmarks"
	@echo "make lint   ruff"
	@echo "make eval   score the search on the project's labelled questions"

# The stamp files make re-running cheap: nothing is reinstalled unless pyproject.toml changed.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "StaffGuide needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(EMU)/node_modules/.installed: $(EMU)/package.json $(EMU)/package-lock.json
	npm ci --prefix $(EMU) --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/staffguide index
	$(VENV)/bin/staffguide ask "Can I friend an ex-student?"

# One worker per core (at most 4: each loads the model and starts its own emulator). On 2 cores,
# pytest took 190 s with 2 workers, 188 s with 3 and 269 s with one.
test: check $(EMU)/node_modules/.installed
	$(PY) -m pytest -q -n auto --maxprocesses 4

# Lint, formatting and types fail `make test` before any test runs.
check: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(VENV)/.installed-test $(EMU)/node_modules/.installed
	-$(PY) tests/bench_search.py  # a missed target is printed; the other benchmarks still run
	$(PY) tests/bench_bot.py
	$(PY) tests/bench_reports.py
	$(PY) tests/bench_corrections.py
	$(PY) tests/bench_spelling.py
	$(PY) tests/bench_first_weeks.py  # held-out figures after 0, 10, 25, 50 and 100 staff picks
	$(PY) tests/bench_adaptation_speed.py  # a full adaptation of 25,000 words, then new picks
	$(PY) tests/bench_answers_while_adapting.py  # question times beside a training child
	$(PY) tests/bench_adaptation.py  # adapts the model for each count of labelled questions: long

lint: check

eval: $(VENV)/.installed
	$(VENV)/bin/staffguide evaluate tests/data/staff-questions.jsonl

clean:
	rm -rf $(VENV) .staffguide $(EMU)/node_modules
