# Two commands do all the set-up on a fresh machine with Python 3.11 and make:
#   make demo   installs ad_compiler in .venv and runs examples/quickstart.py
#   make test   installs it with the test extras and runs the test suite
PYTHON ?= python3
VENV   ?= .venv
# extra pip requirements, e.g. PIP_EXTRA='numpy==1.26.*' (CI tests the oldest NumPy so)
PIP_EXTRA ?=
PY      = $(VENV)/bin/python

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

.PHONY: install install-test demo test bench fuzz clean
install: $(PY)
	$(PY) -m pip install -q -e .

install-test: $(PY)
	$(PY) -m pip install -q -e ".[test]" $(PIP_EXTRA)

demo: install
	$(PY) examples/quickstart.py

test: install-test
	NUMBA_ENABLE_CUDASIM=1 OMP_NUM_THREADS=1 $(PY) -m pytest -n auto tests

bench: install-test
	OMP_NUM_THREADS=1 $(PY) benchmarks/run.py
	OMP_NUM_THREADS=1 $(PY) benchmarks/bench_numba.py

clean:
	rm -rf $(VENV) build *.egg-info

# The differential fuzzer's long mode (tests/fuzz): new seeds for FUZZ_SECONDS,
# each new kind of failure reduced to a minimal program; the CI slice is
# tests/fuzz/test_fuzz_differential.py.
FUZZ_SECONDS ?= 600
fuzz: install-test
	NUMBA_ENABLE_CUDASIM=1 OMP_NUM_THREADS=1 $(PY) -m tests.fuzz --seconds $(FUZZ_SECONDS)
