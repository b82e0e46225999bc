# Two commands do all the set-up: `make demo` and `make test`. Both create .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
ZS := $(BIN)/zhaoshang
PORT ?= 8000
POLICIES := xinfeng-2023-100days jinxi-2021 xiayi-2023-2025 sanming-2021 xinfeng-2024
PG_URL ?= postgres://postgres@127.0.0.1:5432/zhaoshang

.PHONY: demo serve test test-sqlite test-postgres browser-deps deploy-deps lint bench install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# Migrates the embedded SQLite database, loads the five policies with demo data for each,
# then serves on 127.0.0.1:$(PORT). Xinfeng 2024 comes last so its logins print just above the server line.
demo: install
	$(ZS) migrate --noinput -v0
	$(ZS) policy check
	@for p in $(POLICIES); do $(ZS) demo-data --policy $$p || exit 1; done
	$(ZS) serve --port $(PORT)

serve: install
	$(ZS) serve --port $(PORT)

lint: install
	$(BIN)/ruff check src tests benchmarks conftest.py
	$(BIN)/ruff format --check --quiet src tests benchmarks conftest.py
	$(BIN)/lint-imports --no-cache

# The whole suite on SQLite, then on PostgreSQL when one answers at 127.0.0.1:5432 (or DATABASE_URL is set).
test: install lint test-sqlite
	@if [ -n "$$DATABASE_URL" ] || $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL 未响应（127.0.0.1:5432），跳过 PostgreSQL 测试"; fi

# The browser tests (tests/browser, marker `browser`) run in the SQLite run only; without
# Chromium they are skipped, saying why.
test-sqlite: install
	@$(MAKE) --no-print-directory browser-deps || echo "未能安装 chromium，浏览器测试将跳过（可手动运行 make browser-deps）"
	DATABASE_URL=sqlite:///:memory: ZHAOSHANG_DATA=$$(mktemp -d) $(BIN)/pytest

test-postgres: install
	@$(MAKE) --no-print-directory deploy-deps || echo "未能安装 nginx，部署演练（tests/test_deploy.py）将跳过（可手动运行 make deploy-deps）"
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} ZHAOSHANG_DATA=$$(mktemp -d) $(BIN)/pytest -m "not browser"

# Debian's headless Chromium (CJK fonts for legible screenshots, pdftoppm for a PDF page) for the browser tests, when
# missing. Playwright drives /usr/bin/chromium; it downloads no browser of its own.
browser-deps:
	@if [ -x /usr/bin/chromium ] && command -v pdftoppm >/dev/null; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; else \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk poppler-utils; \
	fi

# Debian's nginx-light for tests/test_deploy.py, which follows docs/deploy.md on loopback (nginx -t on
# the sample, TLS in front of two app servers), when missing.
deploy-deps:
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then echo "nginx: $$(/usr/sbin/nginx -v 2>&1)"; else \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null 2>&1 || \
		($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light); \
	fi

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) data build *.egg-info
