# Two commands do all set-up on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help test lint format report system-deps docs clean nuke

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

system-deps: ## install Debian packages (headless chromium, CJK fonts) if missing
	@bash scripts/system-deps.sh

lint: $(STAMP) ## ruff (lint + format check) and mypy
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/ruff format --check lib tests benchmarks
	$(BIN)/mypy

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix lib tests benchmarks
	$(BIN)/ruff format lib tests benchmarks

test: $(STAMP) system-deps ## create .venv if missing, install, ruff, run every test (mypy reported, see `make lint`)
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/ruff format --check lib tests benchmarks
	-$(BIN)/mypy
	$(BIN)/pytest

docs: $(STAMP) ## regenerate docs/data-dictionary.md from fields.py
	$(BIN)/python -c "import nianbao.fields as f; open('docs/data-dictionary.md','w').write(f.data_dictionary())"

report: $(STAMP) system-deps ## build the demo corpus (or use CORPUS=...), parse it, render notebooks to outputs/
	@echo "make report: notebooks arrive with the notebook issue"

clean: ## remove caches and outputs
	rm -rf outputs/*.html outputs/*/ .pytest_cache .ruff_cache .mypy_cache
nuke: clean ## also remove the virtualenv and generated data
	rm -rf $(VENV) data/demo data/parsed
