# Everything runs from a project virtualenv that the first target creates.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: demo test check lint type docs eval bench bench-extract fuzz fmt clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,redis]'
	touch $(STAMP)

demo: $(STAMP)  ## cluster the copies among samples/ and print the CSV report
	$(BIN)/dedup scan samples/

test: $(STAMP)  ## the test suite (pytest)
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

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis

bench-extract: $(STAMP)  ## extraction pages/s per format and body accuracy
	$(BIN)/python benchmarks/bench_extract.py

fuzz: $(STAMP)  ## the property tests with 3,000 examples each (about a minute)
	DEDUP_FUZZ=1 $(BIN)/python -m pytest tests/test_properties.py -q --hypothesis-show-statistics

bench: $(STAMP)  ## scan speed and memory at 10k/30k/100k pages against a plain datasketch pipeline
	$(BIN)/python benchmarks/bench_scan.py --sizes 10000,30000,100000 --check-reference
