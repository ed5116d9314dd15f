# readnet — every target works on a fresh machine with Python 3.11 and make.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt setup.py settings.ini | sha256sum | cut -c1-16)
NOTEBOOKS := $(filter-out nbs/index.ipynb,$(sort $(wildcard nbs/[0-9]*.ipynb)))
PIP_QUIET := grep -v -e 'is ignored: it is neither a file nor a directory' || true

.PHONY: setup run test check-sync nbtest pytest export docs readme bench clean

setup: $(STAMP)

$(STAMP): requirements.txt setup.py settings.ini
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "installing the pinned stack (requirements.txt) into $(VENV) …"
	@$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt 2>&1 | { $(PIP_QUIET); }
	@$(BIN)/pip install -q --disable-pip-version-check --no-deps -e . 2>&1 | { $(PIP_QUIET); }
	@rm -f $(VENV)/.installed-*; touch $@

run: setup
	$(BIN)/readnet info
	$(BIN)/readnet train --data synthetic --loss atl --adversary --preset quick --out runs/main --force

test: setup check-sync nbtest pytest

check-sync: setup
	BIN=$(BIN) bash tools/check_sync.sh

nbtest: setup check-sync
	$(BIN)/nbdev_test --n_workers 2 --timing

pytest: setup check-sync
	$(BIN)/python -m pytest tests -q

export: setup
	$(BIN)/nbdev_clean
	$(BIN)/nbdev_export

docs: setup readme
	$(BIN)/python tools/render_docs.py docs $(NOTEBOOKS)

readme: setup
	$(BIN)/python tools/render_docs.py --readme README.md nbs/index.ipynb

bench: setup
	@for b in $(sort $(wildcard bench/*.py)); do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
