# DS Toolbox: the two set-up commands are `make demo` and `make test`.
SWIFT ?= swift
DEMO_DIR ?= .build/demo

.PHONY: bootstrap build release test demo docs bench compare fuzz golden clean

bootstrap:
	@./Scripts/bootstrap

build: bootstrap
	$(SWIFT) build

release: bootstrap
	$(SWIFT) build -c release

# The test command CI runs (see .ci/run). It starts a throwaway PostgreSQL (Scripts/postgres)
# for the PostgreSQL store's tests and stops it at the end. The cancellation-latency checks
# ("stops within a second") run on their own afterwards, so that the parallel suites' load does
# not time them; so do the suites that start many processes or stop servers (the PostgreSQL
# failure, CLI and multi-host checks: thousands of CLI processes in network namespaces; the
# examples and workflow runs, which keep both cores busy; the README tour, which serves on fixed
# ports), so that they do not load the timing-sensitive parallel suites.
HEAVY = PostgresFailureTests|PostgresCLITests|MultiHostTests|ReadmeTourTests|ExamplesTests|WorkflowCLITests
ALONE = CancellationTests|$(HEAVY)
test: bootstrap
	@DSTOOLBOX_TEST_POSTGRES="$$(./Scripts/postgres start || true)"; export DSTOOLBOX_TEST_POSTGRES; \
	status=0; \
	$(SWIFT) test --skip '$(ALONE)' || status=$$?; \
	if [ $$status -eq 0 ]; then $(SWIFT) test --skip-build --filter CancellationTests || status=$$?; fi; \
	if [ $$status -eq 0 ]; then $(SWIFT) test --skip-build --filter '$(HEAVY)' || status=$$?; fi; \
	./Scripts/postgres stop || true; \
	exit $$status

# The seismic workflow end to end: survey -> features -> tuned boosting -> report.html -> served.
demo: bootstrap
	$(SWIFT) build -c release --product dstoolbox
	@DEMO_DIR=$(DEMO_DIR) ./Scripts/demo

# Builds every DocC catalog with warnings as errors, so a broken symbol link fails (CI runs it).
DOC_TARGETS = ToolboxCore SEGYKit LearnKit FeatureKit DriftKit VectorKit TrackKit TuneKit Workflows ServeKit PostgresStore ToolboxTesting
docs: bootstrap
	@set -e; for target in $(DOC_TARGETS); do \
		echo "== documentation for $$target"; \
		$(SWIFT) package --disable-sandbox generate-documentation --target $$target --warnings-as-errors; \
	done

bench: bootstrap
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark --no-progress

compare: bootstrap
	./Benchmarks/Compare/run.sh

# Runs the libFuzzer target for SEGYKit's header and trace parsers (FUZZ_SECONDS, default 60).
fuzz:
	./Scripts/fuzz $(or $(FUZZ_SECONDS),60)

# Regenerates golden values with the Python reference libraries (needs PyPI access).
# SEG-Y files written by the tests are re-recorded first, then read back by segyio.
golden:
	./Scripts/reference-venv
	venv/bin/python Scripts/golden/generate_core.py
	venv/bin/python Scripts/golden/generate_learn.py
	venv/bin/python Scripts/golden/generate_features.py
	venv/bin/python Scripts/golden/generate_signal.py
	venv/bin/python Scripts/golden/generate_trace_features.py
	venv/bin/python Scripts/golden/generate_text.py
	venv/bin/python Scripts/golden/generate_timeseries.py
	venv/bin/python Scripts/golden/generate_segy.py
	venv/bin/python Scripts/golden/generate_imports.py
	cd Scripts/golden && ../../venv/bin/python generate_table_cv.py
	venv/bin/python Scripts/golden/generate_normal.py
	DSTOOLBOX_RECORD_GOLDEN=1 $(SWIFT) test --filter WrittenFilesTests
	venv/bin/python Scripts/golden/generate_segy_written.py

clean:
	rm -rf .build Benchmarks/.build
