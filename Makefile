# Two commands do all set-up on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help test lint format report lab demo system-deps docs clean nuke

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@# byte-compile the library once: pool workers import it fresh, and PYTHONDONTWRITEBYTECODE would
	@# otherwise make every worker compile it from source (compileall writes regardless; stale files are redone)
	$(BIN)/python -m compileall -q lib
	touch $(STAMP)

system-deps: ## install Debian packages (headless chromium, CJK fonts) if missing
	@bash scripts/system-deps.sh

lint: $(STAMP) ## ruff (lint + format check), mypy, and the layer contract (import-linter)
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/ruff format --check lib tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix lib tests benchmarks
	$(BIN)/ruff format lib tests benchmarks

test: $(STAMP) system-deps lint ## create .venv if missing, install, lint (ruff, mypy), run every test
	$(BIN)/pytest

docs: $(STAMP) ## regenerate docs/data-dictionary.md from fields.py
	$(BIN)/python -c "import nianbao.fields as f; open('docs/data-dictionary.md','w').write(f.data_dictionary())"

# The demo corpus is made once (its manifest.json says so); `nianbao parse` leaves its truth files
# (expected/, places.csv, manifest.json) out and resolves its invented places from its places.csv.
# `make report [CORPUS=path] [ORGAN=… COUNTY=… CITY=… PROVINCE=… YEARS='[2021,2022]' LEVEL=township
#  REPORT_LANG=en INCLUDE_FLAGGED=true MIN_N=5 MAX_ORGANS=150]`: each set variable becomes a notebook parameter.
DEMO   := data/demo
PARSED ?= data/parsed
REPORT_PARAMS = $(if $(ORGAN),-p organ '$(ORGAN)') $(if $(COUNTY),-p county '$(COUNTY)') \
	$(if $(CITY),-p city '$(CITY)') $(if $(PROVINCE),-p province '$(PROVINCE)') \
	$(if $(YEARS),-p years '$(YEARS)') $(if $(LEVEL),-p organ_level '$(LEVEL)') \
	$(if $(REPORT_LANG),-p lang '$(REPORT_LANG)') $(if $(INCLUDE_FLAGGED),-p include_flagged '$(INCLUDE_FLAGGED)') \
	$(if $(MIN_N),-p min_n '$(MIN_N)') $(if $(MAX_ORGANS),-p max_organs '$(MAX_ORGANS)')

report: $(STAMP) system-deps ## build the demo corpus (or use CORPUS=...), parse it, render notebooks to outputs/
	$(if $(CORPUS),,test -f $(DEMO)/manifest.json || $(BIN)/nianbao synth --out $(DEMO) --reports 300 \
	  --seed 2024 --damage-rate 0.1 --formats txt,html,docx,pdf)
	$(BIN)/nianbao parse '$(or $(CORPUS),$(DEMO))' --out $(PARSED)
	$(BIN)/nianbao report --parsed $(PARSED) --out outputs --corpus '$(or $(CORPUS),$(DEMO))' \
	  --label '$(or $(CORPUS),$(DEMO) (synthetic demo))' $(REPORT_PARAMS)
	@echo "open outputs/index.html"

demo: $(STAMP) ## build and parse the synthetic demo corpus (data/demo -> data/parsed) if not there yet
	test -f $(DEMO)/manifest.json || $(BIN)/nianbao synth --out $(DEMO) --reports 300 \
	  --seed 2024 --damage-rate 0.1 --formats txt,html,docx,pdf
	test -f $(PARSED)/reports.parquet || $(BIN)/nianbao parse $(DEMO) --out $(PARSED)

LAB_PORT ?= 8888
lab: demo ## JupyterLab on notebooks/ (project kernel, demo corpus parsed; as root too); LAB_PORT=8888
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --port=$(LAB_PORT) \
	  --MappingKernelManager.default_kernel_name=python3 $(if $(filter 0,$(shell id -u)),--allow-root)

clean: ## remove caches and outputs
	rm -rf outputs/*.html outputs/*/ .pytest_cache .ruff_cache .mypy_cache
nuke: clean ## also remove the virtualenv and generated data
	rm -rf $(VENV) data/demo data/parsed
