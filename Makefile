# The two commands of the README: `make demo` and `make test`. Both install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo browse chromium check-site test bench grammar-long clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,browse]'
	touch $@

demo: install
	$(BIN)/scrapy crawl newszone -a demo=1

# Browse a read-only snapshot of output/newszone.sqlite at http://127.0.0.1:8001/ (Datasette).
BROWSE_ARGS ?=

browse: install
	$(BIN)/python -m newszone_crawler browse $(BROWSE_ARGS)

# The site's pages against the markup contract, element by element (README "First run against
# the real site"). BASE_URL=http://127.0.0.1:PORT for the standalone demo site.
BASE_URL ?= https://www.mnd.go.kr
CHECK_ARGS ?=

check-site: install
	$(BIN)/python -m newszone_crawler check-site --base-url $(BASE_URL) $(CHECK_ARGS)

# pywb (test-only: it replays a crawl's WARC) lives in its own venv: its dependency brotlipy
# would shadow the brotli module Scrapy decompresses with.
PYWB_VENV ?= .venv-pywb

$(PYWB_VENV)/.installed:
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet "pywb==2.10.0"
	touch $@

# Headless Chromium for tests/test_browse.py (Debian packages; skipped when already there, and
# never an error: without apt or a network the browser test skips and says why).
chromium:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; }; } ; } || \
	  echo "note: Chromium could not be installed; the browser test will skip"

test: install $(PYWB_VENV)/.installed chromium
	PYWB_BIN=$(abspath $(PYWB_VENV))/bin $(BIN)/python -m pytest

# The benchmark of the crawl against bare Scrapy (bench/README.md): N = 2,000 and 10,000, about
# half an hour on 2 cores. BENCH_ARGS="--sizes 300 --no-profile" for a quick look.
BENCH_ARGS ?=

$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: install $(VENV)/.bench-installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The contract grammar's long run: 50,000 generated posts, each extracted and compared with its
# truth (CI draws 2,000). GRAMMAR_EXAMPLES=N for another size.
GRAMMAR_EXAMPLES ?= 50000

grammar-long: install
	GRAMMAR_EXAMPLES=$(GRAMMAR_EXAMPLES) $(BIN)/python -m pytest tests/test_contract_grammar.py -k generated_posts -q

clean:
	rm -rf $(VENV) $(PYWB_VENV) build *.egg-info .pytest_cache
