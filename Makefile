# soapscribe — every target sets up what it needs; `make run` and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CORE_STAMP := $(VENV)/.core-installed
DEV_STAMP := $(VENV)/.dev-installed
OW_STAMP := $(VENV)/.openai-whisper-installed
MEDSPACY_STAMP := $(VENV)/.medspacy-installed
SYS_STAMP := $(VENV)/.system-installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs in this many processes (pytest-xdist), one per core of the 2-core machine it is sized for; each
# test file runs whole in one of them, so its module fixtures (rendered audio, a server) are built once.
TEST_WORKERS ?= 2

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-dev install-openai-whisper system-deps run lint typecheck test test-corpus fuzz bench clean help

help:
	@echo "make run    - install and start the service on $(HOST):$(PORT) (SQLite + embedded worker)"
	@echo "make test   - install everything (incl. espeak-ng, sox, openai-whisper), lint (ruff), typecheck (mypy) and run the test suite in $(TEST_WORKERS) processes"
	@echo "make lint   - ruff over the repository (pyproject.toml [tool.ruff]; part of make test)"
	@echo "make typecheck - mypy, strict, over nlp/ knowledge/ service/ (pyproject.toml [tool.mypy]; part of make test)"
	@echo "make test-corpus - the real-dialogue test over all 1,445 dialogues of ../shared/data (make test: a sample)"
	@echo "make bench  - run the benchmarks and write benchmarks/RESULTS.md"
	@echo "make fuzz   - fuzz the API (schemathesis) and the parsers/drafting (hypothesis) for longer than make test"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip wheel

# Re-installs only when the dependency list changed; otherwise these targets are instant.
$(CORE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(DEV_STAMP): pyproject.toml $(CORE_STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

# openai-whisper: CPU torch from the wheel on disk, then whisper without its deps (no CUDA, no triton).
$(OW_STAMP): requirements/openai-whisper.txt $(CORE_STAMP)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet --no-deps -r requirements/openai-whisper.txt
	@touch $@

# medspaCy's ConText for benchmarks/context_compare.py: its pins ask for spacy<3.8, so its real deps are listed.
$(MEDSPACY_STAMP): requirements/medspacy.txt $(CORE_STAMP)
	$(BIN)/pip install --quiet --no-deps -r requirements/medspacy.txt
	@touch $@

$(SYS_STAMP): scripts/install-system-deps.sh | $(BIN)/python
	bash scripts/install-system-deps.sh
	@touch $@

install: $(CORE_STAMP)
install-dev: $(DEV_STAMP) $(OW_STAMP) $(MEDSPACY_STAMP) $(SYS_STAMP)
install-openai-whisper: $(OW_STAMP)
system-deps: $(SYS_STAMP)

run: install
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

# ruff takes well under a second; a lint error stops the run before the tests start.
lint: $(DEV_STAMP)
	$(BIN)/ruff check .

# mypy: a few seconds with its cache (.mypy_cache), about 15 s of CPU time without; a type error stops make test too.
typecheck: $(DEV_STAMP)
	$(BIN)/mypy

test: install-dev lint typecheck
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# `make test` runs the real-dialogue test on a fixed sample (every 4th dialogue of each corpus file and every
# cramp-related one); this runs it on every dialogue. .ci/run calls it after `make test`.
test-corpus: install-dev
	TEST_ALL_DIALOGUES=1 $(BIN)/python -m pytest -q tests/knowledge/test_extract.py::test_real_dialogues_extract_without_error \
		tests/knowledge/test_notes_corpus.py

# Longer fuzzing than `make test` runs: schemathesis against the running API, and many more hypothesis examples.
FUZZ_MAX_EXAMPLES ?= 200
FUZZ_MAX_TIME ?= 900
fuzz: install-dev
	FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) FUZZ_MAX_TIME=$(FUZZ_MAX_TIME) $(BIN)/python -m pytest -q -s \
		tests/hostile/test_fuzz_api.py tests/hostile/test_properties.py

# Every benchmark writes its own section of benchmarks/RESULTS.md; none is part of `make test`.
bench: install-dev
	bash scripts/install-system-deps.sh wrk hey
	$(BIN)/python -m benchmarks.asr
	$(BIN)/python -m benchmarks.extraction
	$(BIN)/python -m benchmarks.findings_real
	$(BIN)/python -m benchmarks.context_compare
	$(BIN)/python -m benchmarks.reference_recall
	$(BIN)/python -m benchmarks.note_quality
	$(BIN)/python -m benchmarks.medication_reference
	$(BIN)/python -m benchmarks.correction
	$(BIN)/python -m benchmarks.asr_choice
	$(BIN)/python -m benchmarks.vocabulary_recall
	$(BIN)/python -m benchmarks.fragments
	$(BIN)/python -m benchmarks.diarization
	$(BIN)/python -m benchmarks.pipeline
	$(BIN)/python -m benchmarks.asr_matrix
	$(BIN)/python -m benchmarks.long_audio
	$(BIN)/python -m benchmarks.api_load
	$(BIN)/python -m benchmarks.profile

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
