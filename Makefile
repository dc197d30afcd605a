# Two commands do all set-up: `make run` and `make test`. Both bootstrap .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test venv lint typecheck pytest compat bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/tocsin serve --config.file=examples/tocsin.yml --storage.path=data --web.listen-address=127.0.0.1:9093

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

# Two phases: everything in parallel on both cores, then the timing-sensitive tests alone.
pytest: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not serial" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -q -m serial $(PYTEST_ARGS)

test: lint typecheck pytest

compat: $(STAMP)
	bash tests/compat/run_acceptance.sh tocsin

clean:
	rm -rf $(VENV) data .mypy_cache .pytest_cache .ruff_cache
