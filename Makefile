# The two commands: `make demo` and `make test`. Everything else is a step of theirs.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
SAMPLE_DIR := data/generated
DEMO_DAYS ?= 56
DEMO_SEED ?= 7

.PHONY: help setup system-deps env demo test test-fast bench lock lint clean

help:
	@echo "make demo   - set up, build the sample call centre, run the main job into outputs/"
	@echo "make test   - set up and run the whole test suite (slow, notebook and ASR tests included)"
	@echo "make bench  - run the benchmarks into outputs/bench/"
	@echo "make lock   - re-resolve requirements.in into requirements.lock"

setup: system-deps env

# Programs the stack calls at run time: ffmpeg (whisperx), chromium (browser tests),
# espeak-ng + sox (re-synthesising the sample recordings), openssl (test certificates), poppler-utils (pdftoppm,
# pdftotext: the tests open the PDF reports), and a CJK font (Noto CJK)
# so Chinese labels in charts, PNG/PDF exports and screenshots are drawn, not boxes; and the PostgreSQL server
# (Debian's postgresql: initdb, pg_ctl) that the database-source tests start on a loopback port of their own.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
system-deps:
	@missing=""; \
	for pair in ffmpeg:ffmpeg chromium:chromium espeak-ng:espeak-ng sox:sox openssl:openssl pdftoppm:poppler-utils; do \
	  cmd=$${pair%%:*}; pkg=$${pair##*:}; command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	[ -f $(CJK_FONT) ] || missing="$$missing fonts-noto-cjk"; \
	ls /usr/lib/postgresql/*/bin/initdb /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing system packages:$$missing -- install them (e.g. sudo apt-get install$$missing) and re-run" >&2; exit 1; \
	  fi; \
	fi

env:
	@bash .ci/ensure-env

demo: setup
	$(BIN)/workbench params check
	$(BIN)/workbench sample-data --out $(SAMPLE_DIR) --days $(DEMO_DAYS) --seed $(DEMO_SEED) > /dev/null
	$(BIN)/workbench store init
	$(BIN)/workbench run ingest_overview --params demo
	$(BIN)/workbench run ingest_overview --params demo_intervals
	$(BIN)/workbench kpis --by queue
	$(BIN)/workbench kpis --by queue,region
	# The same centre's ACD interval report, in its own store: KPIs from intervals alone.
	$(BIN)/workbench kpis --by queue --store $(SAMPLE_DIR)/interval_report.duckdb
	$(BIN)/workbench run sample_overview --params demo
	$(BIN)/workbench run kpi_overview --params demo
	$(BIN)/workbench run staffing_forecast --params demo
	$(BIN)/workbench run transcription_overview --params demo
	# A mono recorder's call: both parties on one channel, split into agent and customer by voice and words.
	$(BIN)/workbench sample-audio --mono-mix data/sample/recordings/rec_zh_001.wav --out $(SAMPLE_DIR)/recordings
	$(BIN)/workbench transcribe $(SAMPLE_DIR)/recordings/rec_zh_001_mono.wav --channels mono --output $(SAMPLE_DIR)/transcripts
	$(BIN)/workbench run topic_overview --params demo
	# After transcription and topics, so the drivers can use what they stored.
	$(BIN)/workbench run satisfaction_drivers --params demo
	# The daily report set twice: in English, then in Chinese with each report printed to report.pdf too.
	$(BIN)/workbench report run daily --date latest --workers 2 --interface-language en
	$(BIN)/workbench report run daily --date latest --workers 2 --interface-language zh --pdf
	$(BIN)/workbench report site
	@echo "Reports: outputs/index.html lists every run (the daily set in English and in Chinese, report.pdf beside the Chinese ones); outputs/<notebook>/LATEST names the newest run."
	@echo "Apps: .venv/bin/workbench serve, then open http://127.0.0.1:8866/ (operations, staffing, topics, satisfaction)."
	@echo "      By custom dimension: /voila/render/operations.ipynb?dimension_filter={\"region\":\"south\"}&group_by=member_tier"

# Tests run in TEST_WORKERS processes (pytest-xdist), whole files to a worker so a module's fixtures are
# built once; most heavy tests wait on a kernel, a browser or a server, so two workers keep two cores busy.
TEST_WORKERS ?= 2
test: setup
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --durations=25

test-fast: env
	$(BIN)/python -m pytest -p no:cacheprovider -m "not slow"

bench: setup
	@mkdir -p outputs/bench
	@if ls tests/bench_*.py >/dev/null 2>&1; then $(BIN)/python -m pytest -p no:cacheprovider -s -q tests/bench_*.py; \
	else echo "no benchmarks yet"; fi
	$(BIN)/python tests/speech_intelligence_report.py

lint: env
	$(BIN)/lint-imports

# Resolve the direct dependencies afresh and freeze the complete set.
lock:
	rm -rf /tmp/workbench-lock-venv && python3.11 -m venv /tmp/workbench-lock-venv
	/tmp/workbench-lock-venv/bin/pip install -q --upgrade pip
	/tmp/workbench-lock-venv/bin/pip install -r requirements.in
	(echo "# Generated by \`make lock\` from requirements.in on Python 3.11 / x86_64. Install with --no-deps."; \
	 echo "# Every pin carries the published SHA-256 of its files (pip then runs in hash-checking mode)."; \
	 /tmp/workbench-lock-venv/bin/pip freeze --all | grep -v -E '^wheel==' | sort -f) > requirements.lock
	python3 .ci/hash_lock.py requirements.lock

clean:
	rm -rf $(VENV) $(SAMPLE_DIR) data/warehouse.duckdb outputs/*/ 
