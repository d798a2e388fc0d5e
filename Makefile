# Everything runs from a project virtualenv that the first target creates.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: demo test check lint type docs eval eval-real eval-ntrex bench bench-extract fuzz fmt clean

# Three layers, each installed once: the package alone (what `pip install .` gives a user,
# with the pip the virtualenv comes with), then what the tests need, then the dev tools.
BASE = $(VENV)/.base
TESTS = $(VENV)/.tests

$(BASE): pyproject.toml
	@echo "Setting up $(VENV) with the package alone (pip install -e .; a minute on first run)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e .
	touch $(BASE)

$(TESTS): $(BASE)
	@echo "Adding what the tests need: pytest, hypothesis, playwright, the dask, redis, scrapy, serve and xling extras"
	$(BIN)/python -m pip install -e '.[test,dask,redis,scrapy,serve,xling]'
	touch $(TESTS)

$(STAMP): $(TESTS)
	@echo "Adding the dev tools: ruff, mypy, pandas-stubs"
	$(BIN)/python -m pip install -e '.[dev,dask,redis,scrapy,serve,xling]'
	touch $(STAMP)

demo: $(BASE)  ## cluster the copies among samples/ and print the CSV report
	$(BIN)/dedup scan samples/

test: $(TESTS)  ## the test suite (pytest)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check dedup tests benchmarks scripts
	$(BIN)/ruff format --check dedup tests benchmarks scripts

type: $(STAMP)
	$(BIN)/mypy

check: lint type test

docs: $(STAMP)  ## regenerate docs/cli.md and docs/api.md from the --help and the docstrings
	$(BIN)/python scripts/gen_cli_docs.py
	$(BIN)/python scripts/gen_api_docs.py

fmt: $(STAMP)
	$(BIN)/ruff format dedup tests benchmarks scripts
	$(BIN)/ruff check --fix dedup tests benchmarks scripts

eval: $(STAMP)  ## pairwise precision/recall on a corpus built from ../shared/corpora
	$(BIN)/python benchmarks/eval_scan.py
	$(BIN)/python benchmarks/eval_metadata.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis

bench-extract: $(STAMP)  ## extraction pages/s per format and body accuracy
	$(BIN)/python benchmarks/bench_extract.py

fuzz: $(STAMP)  ## the property tests with 3,000 examples each (about a minute)
	DEDUP_FUZZ=1 $(BIN)/python -m pytest tests/test_properties.py -q --hypothesis-show-statistics

bench: $(STAMP)  ## start-up; scan speed and memory from 1k to 100k pages against datasketch and rensa
	$(BIN)/python -m pip install -e '.[bench]'
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_scan.py --mode corpus --sizes 1000,6000
	$(BIN)/python benchmarks/bench_scan.py --sizes 30000,100000 --check-reference

eval-ntrex: $(STAMP)  ## English copies and translations on the NTREX half, bare and wrapped (needs ../shared)
	$(BIN)/python benchmarks/eval_ntrex.py --ablation

eval-real: $(STAMP)  ## precision/recall on natural pairs labelled by reading (needs ../shared/corpora)
	$(BIN)/python benchmarks/eval_real.py
