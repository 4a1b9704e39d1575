# GovLearn: the two commands of the README, and a few more.
# Bytecode is compiled at install time: with PYTHONDONTWRITEBYTECODE set, every
# kernel would otherwise recompile pandas, FastAPI and friends on each start.
#   make demo   set up .venv on first use, then run the whole programme
#   make test   set up .venv on first use, then lint, type-check and run every test

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install browser demo test lint lab bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip uv
	$(VENV)/bin/uv pip install --python $(PY) --quiet --compile-bytecode -e '.[test]' \
	  || $(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m compileall -q -j 0 govlearn >/dev/null
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

browser:
	bash scripts/install-browser.sh

demo: install
	$(VENV)/bin/govlearn demo

lint: install
	$(PY) -m ruff check govlearn tests benchmarks
	$(PY) -m mypy

test: install browser lint
	$(PY) -m pytest

lab: install
	$(VENV)/bin/govlearn lab

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
