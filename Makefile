# Tamga: two set-up commands. `make run` runs the node on embedded defaults; `make test` runs every test.
SHELL := /bin/bash
PY ?= python3
# constraints.txt pins every Python package (regenerate with `pip freeze` after a deliberate upgrade).
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: run test install system-deps lint typecheck bench clean

# compileall: bytecode of our own modules ahead of time, as pip does for the libraries; where
# PYTHONDONTWRITEBYTECODE is set, every `tamga` call would otherwise compile them (~50 ms).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	$(BIN)/python -m compileall -q node anchoring api
	touch $(STAMP)

install: $(STAMP)

# Contract toolchain from npm (package-lock.json pins solc-js, Foundry's forge/anvil/cast, OpenZeppelin).
NPM_STAMP := node_modules/.installed
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

# Debian packages the test suite needs (a real PostgreSQL server, headless Chromium for the
# browser tests of the public pages, wrk for the API benchmark; DejaVu fonts for the printed
# extract, poppler-utils and zbar-tools to render its PDF to PNG and read its QR code in tests;
# nginx in front of three API processes in the topology test and scripts/cluster.sh).
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v chromium >/dev/null \
		|| ! command -v wrk >/dev/null || ! command -v pdftoppm >/dev/null \
		|| ! command -v zbarimg >/dev/null || ! test -x /usr/sbin/nginx \
		|| ! test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; then \
		echo "installing PostgreSQL, Chromium, wrk, DejaVu fonts, poppler-utils, zbar-tools, nginx"; \
		$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
		$$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql chromium wrk fonts-dejavu-core poppler-utils zbar-tools nginx >/dev/null; \
	fi

# Ends in `tamga up`: API, scheduled checkpoints and anchoring on the node's own local anvil
# (the contract is deployed once; the first anchor and the URL are printed). Ctrl-C stops it.
run: install $(NPM_STAMP)
	$(BIN)/tamga init
	$(BIN)/tamga demo --if-empty
	$(BIN)/tamga emission list
	$(BIN)/tamga verify --all
	$(BIN)/tamga log checkpoint
	$(BIN)/tamga check
	TAMGA_LOCAL_WITNESSES=$${TAMGA_LOCAL_WITNESSES:-2} $(BIN)/tamga up

test: install system-deps $(NPM_STAMP)
	$(BIN)/ruff check node anchoring api tests scripts
	$(BIN)/ruff format --check node anchoring api tests scripts
	$(BIN)/mypy
	forge fmt --check contracts
	forge test
	forge snapshot --check --no-match-test 'testFuzz_|invariant_'
	$(BIN)/pytest -n 2 -q
	$(BIN)/python scripts/bench.py --quick --out "$$(mktemp -d)"

lint: install
	$(BIN)/ruff check node anchoring api tests scripts
	$(BIN)/ruff format --check node anchoring api tests scripts

typecheck: install
	$(BIN)/mypy

# Every benchmark (about 45 min): docs/benchmarks.md and its plots under docs/img/.
bench: install system-deps $(NPM_STAMP)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) data node_modules out cache .pytest_cache .mypy_cache .ruff_cache
