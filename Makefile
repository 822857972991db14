# `make run` and `make test` work on a fresh clone: they create .venv and install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app app
PYTEST_ARGS ?=
# `make run HOST=0.0.0.0 PORT=8000` serves the whole network (a phone on the same Wi-Fi).
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install translations run test bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Compiled catalogues (.mo) are build output, made from the committed .po files.
translations: $(STAMP)
	$(BIN)/pybabel compile -d walkapp/translations >/dev/null

run: install translations
	$(FLASK) db upgrade
	if $(FLASK) is-empty; then $(FLASK) seed-demo; else $(FLASK) demo-login; fi
	@echo "Serving on http://$(HOST):$(PORT)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Pyflakes errors and import order, as configured in pyproject.toml.
lint: install
	$(BIN)/ruff check .

bench: install translations
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

# Re-extract the UI strings after changing templates or code; then translate the .po file.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --sort-output -o walkapp/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i walkapp/translations/messages.pot -d walkapp/translations

clean:
	rm -rf $(VENV) .pytest_cache
