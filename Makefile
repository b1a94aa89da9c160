# Kafdo — the two commands are `make dev` and `make test`; both install what they need.
#
#   make dev     wrangler dev: HTTP on 127.0.0.1:8787, DO SQLite on local disk, and
#                `kafdo gateway`: Kafka on 127.0.0.1:9092 (Ctrl-C stops both); other
#                ports with KAFDO_HTTP_PORT=... KAFDO_KAFKA_PORT=... (npm run dev is make dev)
#   make test    builds everything and runs every test (import layers, typecheck, lint, C under
#                ASan+UBSan, fuzzers briefly, real-client vectors, vitest inside workerd)
#   make bench   benchmarks (figures, never pass/fail)
#   make fuzz    the fuzzers for longer (FUZZ_SECONDS each)
#   make lint    prettier, eslint and clang-format, checking only
#   make format  prettier and clang-format, rewriting the files

SHELL := /bin/bash
.DEFAULT_GOAL := test

# Node 22 comes from the npm package `node` (wrangler needs >= 22.12; Debian has 20).
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

CORE_SRC := $(addprefix src-c/,scratch.c varint.c crc32c.c codecs.c partitioner.c record_batch.c sql.c log.c log_stats.c log_config.c retention.c compaction.c tiering.c topics.c group_registry.c producer_ids.c assignor.c group.c group_classic.c consumer_protocol.c group_offsets.c group_txn_offsets.c group_reset.c txn_coordinator.c txn_registry.c json.c kafka_schema.c kafka_codec.c kafka_rules.c sha2.c sasl_scram.c sasl_plain.c acl.c txn_log.c rest_json.c)
CORE_HDR := $(wildcard src-c/*.h) src-c/errors.def
NATIVE_HOST := src-c/host_sqlite.c
C_WARN := -std=c11 -Wall -Wextra -Werror
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CC_TEST := clang
BUILD := build

C_TESTS := varint crc32c codecs partitioner record_batch log log_stats retention compaction tiering topics assignor group group_reset group_txn kafka kafka_rules sasl acl txn txn_log
FUZZERS := batch_decode gzip snappy lz4 zstd batch_inspect batch_encode batch_encode_within log_append log_lifecycle cold_segment topic_create assign group group_reset group_txn kafka_decode kafka_encode sasl acl txn txn_log
FUZZ_SECONDS ?= 60
FUZZ_TEST_RUNS ?= 20000

APT_PKGS := emscripten binaryen libsqlite3-dev libclang-rt-14-dev clang clang-format kcat python3-confluent-kafka librdkafka-dev dpkg-dev chromium

# The compression libraries the core links: Debian's source packages of zlib, zstd, lz4
# and snappy, fetched into build/codecs by apt-get source (pinned by version and .dsc
# checksum in scripts/codec-sources.sh) and built three ways by scripts/build-codecs.sh:
# for the wasm core, for the native tests and fuzzers (sanitizers and coverage, as the
# core), and plain (benchmarks, seeds).
CODECS := $(BUILD)/codecs
CODECS_STAMP := $(CODECS)/.fetched
CODECS_INC := $(addprefix -isystem $(CODECS)/,zlib_1.2.13.dfsg-1 libzstd_1.5.4+dfsg2-5/lib lz4_1.9.4-1/lib snappy_1.1.9-3)
CODECS_WASM := $(CODECS)/wasm/libkdcodecs.a
CODECS_SAN := $(CODECS)/san/libkdcodecs.a
CODECS_PLAIN := $(CODECS)/plain/libkdcodecs.a
STAMP_APT := $(BUILD)/.apt-stamp
STAMP_NPM := node_modules/.package-lock.json

.PHONY: dev test bench fuzz wasm generate dist console deps test-layers test-c test-vectors test-fuzz test-worker test-e2e test-interop test-browser typecheck clean lint format

# ---- setup ------------------------------------------------------------------

deps: $(STAMP_APT) $(STAMP_NPM)

# Installs the Debian packages of $(1) that are missing.
define apt_install
	@mkdir -p $(BUILD)
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@touch $@
endef

# Installs the Debian packages that are missing, once per checkout and again when the
# Makefile changes (a package added to APT_PKGS reaches a checkout that has the stamp).
$(STAMP_APT): Makefile
	$(call apt_install,$(APT_PKGS))

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# ---- builds -----------------------------------------------------------------

$(CODECS_STAMP): scripts/codec-sources.sh | $(STAMP_APT)
	scripts/codec-sources.sh $(CODECS)
	@touch $@

$(CODECS_WASM): $(CODECS_STAMP) scripts/build-codecs.sh
	scripts/build-codecs.sh $(CODECS) $(@D) emcc em++ emar -O2

$(CODECS_SAN): $(CODECS_STAMP) scripts/build-codecs.sh
	scripts/build-codecs.sh $(CODECS) $(@D) clang clang++ ar -g -O1 $(SAN) -fsanitize=fuzzer-no-link

$(CODECS_PLAIN): $(CODECS_STAMP) scripts/build-codecs.sh
	scripts/build-codecs.sh $(CODECS) $(@D) cc c++ ar -O2

wasm: wasm/kafdo.wasm

# The TypeScript that restates the core's definitions (error codes from src-c/errors.def,
# ABI constants from kafdo.h and storage.h), written from them by scripts/gen-core-tables.mjs.
# Committed, so the tree is whole without make; rewritten here whenever a source changes,
# and checked by make test-layers.
GENERATED := worker/common/generated/errors.ts wasm/generated/abi.ts
generate: $(GENERATED)
$(GENERATED) &: src-c/errors.def src-c/kafdo.h src-c/storage.h scripts/gen-core-tables.mjs
	node scripts/gen-core-tables.mjs
	@touch $(GENERATED)

# Standalone wasm, no JS glue: the Worker instantiates it once per isolate and
# supplies the storage door (env.kd_host_*) itself. Emscripten exports a few
# runtime helpers of its own; binaryen's wasm-metadce then keeps exactly the
# functions kafdo.h declares (KD_EXPORT) and the memory, so kafdo.h stays the
# one ABI.
wasm/kafdo.wasm: $(CORE_SRC) $(CORE_HDR) $(CODECS_WASM) | $(STAMP_APT) $(GENERATED)
	@mkdir -p $(BUILD)
	emcc -O2 $(C_WARN) -sSTANDALONE_WASM --no-entry -sALLOW_MEMORY_GROWTH=1 \
	  -sERROR_ON_UNDEFINED_SYMBOLS=0 -sWARN_ON_UNDEFINED_SYMBOLS=0 -Isrc-c $(CODECS_INC) $(CORE_SRC) \
	  $(CODECS_WASM) -lc++abi -o $(BUILD)/kafdo.full.wasm
	@{ echo '[{"name":"memory","export":"memory","root":true}'; \
	   grep -o 'KD_EXPORT([a-z0-9_]*)' src-c/kafdo.h | sed -E 's/KD_EXPORT\((.*)\)/,{"name":"\1","export":"\1","root":true}/'; \
	   echo ']'; } > $(BUILD)/kafdo-exports.json
	wasm-metadce --graph-file $(BUILD)/kafdo-exports.json $(BUILD)/kafdo.full.wasm -o $@ > /dev/null

$(BUILD)/test_%: tests/c/test_%.c tests/c/check.h $(CORE_SRC) $(NATIVE_HOST) $(CORE_HDR) $(CODECS_SAN) | $(STAMP_APT)
	@mkdir -p $(BUILD)
	@echo "  CC (asan+ubsan) $@"
	@$(CC_TEST) $(C_WARN) -g -O1 $(SAN) -Isrc-c -Itests/c $(CODECS_INC) $< $(CORE_SRC) $(NATIVE_HOST) $(CODECS_SAN) -lstdc++ -lsqlite3 -o $@

$(BUILD)/make_seeds: tests/c/make_seeds.c tests/c/kd_list.h $(CORE_SRC) $(CORE_HDR) $(CODECS_PLAIN) | $(STAMP_APT)
	@mkdir -p $(BUILD)
	@echo "  CC $@"
	@$(CC_TEST) $(C_WARN) -g -Isrc-c -Itests/c $(CODECS_INC) $< $(CORE_SRC) $(NATIVE_HOST) $(CODECS_PLAIN) -lstdc++ -lsqlite3 -o $@

$(BUILD)/fuzz_%: tests/c/fuzz_%.c tests/c/fuzz_codec.h $(CORE_SRC) $(NATIVE_HOST) $(CORE_HDR) $(CODECS_SAN) | $(STAMP_APT)
	@mkdir -p $(BUILD)
	@echo "  CC (libfuzzer) $@"
	@clang $(C_WARN) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Isrc-c $(CODECS_INC) \
	  $< $(CORE_SRC) $(NATIVE_HOST) $(CODECS_SAN) -lstdc++ -lsqlite3 -o $@

$(BUILD)/bench_native: bench/bench_native.c $(CORE_SRC) $(NATIVE_HOST) $(CORE_HDR) $(CODECS_PLAIN) | $(STAMP_APT)
	@mkdir -p $(BUILD)
	cc $(C_WARN) -O2 -Isrc-c $(CODECS_INC) $< $(CORE_SRC) $(NATIVE_HOST) $(CODECS_PLAIN) -lstdc++ -lsqlite3 -o $@

# Retention's and compaction's costs beside the same workload without them.
$(BUILD)/bench_lifecycle: bench/bench_lifecycle.c tests/c/kd_list.h $(CORE_SRC) $(NATIVE_HOST) $(CORE_HDR) $(CODECS_PLAIN) | $(STAMP_APT)
	@mkdir -p $(BUILD)
	cc $(C_WARN) -O2 -Isrc-c -Itests/c $(CODECS_INC) $< $(CORE_SRC) $(NATIVE_HOST) $(CODECS_PLAIN) -lstdc++ -lsqlite3 -o $@

# bench/kafka.mjs's reference broker: librdkafka's in-memory mock cluster (librdkafka-dev).
$(BUILD)/kafka_stub_broker: bench/kafka_stub_broker.c | $(STAMP_APT)
	@mkdir -p $(BUILD)
	cc $(C_WARN) -O2 $< -lrdkafka -o $@

# The npm package's contents: JavaScript, .d.ts and the wasm core in dist/
# (npm pack runs the same build).
dist: $(STAMP_NPM) wasm/kafdo.wasm $(GENERATED)
	npm run -s build

# The web console (console/) bundled into the Worker's static assets, served at /console/.
# wrangler dev and wrangler deploy run the same script themselves ([build] in wrangler.toml).
console: $(STAMP_NPM)
	node scripts/build-console.mjs

# ---- tests ------------------------------------------------------------------

test: deps test-layers typecheck lint test-c test-vectors test-fuzz test-worker test-e2e test-interop test-browser
	@echo "make test: all suites passed"

# The Kafka front's request types, generated from the core's schema table (committed,
# so the Worker type-checks from a fresh clone; typecheck fails when they are stale).
worker/kafka/generated/requests.ts: src-c/kafka_schema.c scripts/gen-kafka-types.mjs
	node scripts/gen-kafka-types.mjs

typecheck: $(STAMP_NPM) wasm/kafdo.wasm $(GENERATED) worker/kafka/generated/requests.ts
	node scripts/gen-kafka-types.mjs --check
	npm run -s typecheck

# The import rules between the source folders (scripts/check-layers.mjs, its layer table):
# the checker's own tests, then this tree (no violation, no cycle).
test-layers: $(STAMP_NPM)
	node --test tests/layers/*.test.mjs

# bench_native builds the core with gcc -O2 -Werror as well: gcc's flow warnings
# (maybe-uninitialized) are not clang's.
test-c: $(addprefix $(BUILD)/test_,$(C_TESTS)) $(BUILD)/bench_native $(BUILD)/bench_lifecycle
	@set -e; for t in $(C_TESTS); do echo "== test_$$t"; $(BUILD)/test_$$t; done

# Batches encoded by kafkajs are decoded by the core and re-encoded byte for byte;
# the core's batches are decoded by kafkajs.
test-vectors: $(BUILD)/test_record_batch $(BUILD)/test_partitioner $(BUILD)/test_kafka $(STAMP_NPM)
	rm -rf $(BUILD)/vectors && mkdir -p $(BUILD)/vectors
	node tests/vectors/make-vectors.mjs $(BUILD)/vectors
	$(BUILD)/test_record_batch --vectors $(BUILD)/vectors
	$(BUILD)/test_partitioner --vectors $(BUILD)/vectors
	node tests/vectors/check-core-batches.mjs $(BUILD)/vectors/core
	node tests/vectors/make-kafka-requests.mjs $(BUILD)/vectors/kafka
	$(BUILD)/test_kafka --vectors $(BUILD)/vectors/kafka

test-fuzz: $(addprefix $(BUILD)/fuzz_,$(FUZZERS)) $(BUILD)/make_seeds
	@$(BUILD)/make_seeds $(BUILD)/seeds
	@set -e; for f in $(FUZZERS); do \
	  mkdir -p $(BUILD)/corpus/$$f; \
	  echo "== fuzz_$$f ($(FUZZ_TEST_RUNS) runs)"; \
	  $(BUILD)/fuzz_$$f -artifact_prefix=$(BUILD)/ -runs=$(FUZZ_TEST_RUNS) -seed=1 $(BUILD)/corpus/$$f $(BUILD)/seeds/$$f 2>&1 | grep -E "^#[0-9]+.*(DONE|pulse)|ERROR|SUMMARY" | tail -2; \
	  test $${PIPESTATUS[0]} -eq 0; \
	done

test-worker: $(STAMP_NPM) wasm/kafdo.wasm $(GENERATED)
	npx vitest run --config vitest.config.ts
	npx vitest run --config vitest.pipelines.config.ts

# Whole flows over HTTP: each file starts its own `wrangler dev` (free port,
# temporary state directory) and stops its whole process group.
test-e2e: $(STAMP_NPM) wasm/kafdo.wasm $(GENERATED) dist
	node --test --test-concurrency=1 --test-timeout=300000 'tests/e2e/*.test.mjs'

# Unchanged Kafka clients (Debian's kcat and python3-confluent-kafka, both librdkafka)
# through `kafdo gateway`: each file starts its own wrangler dev with the relay beside it.
test-interop: $(STAMP_APT) $(STAMP_NPM) wasm/kafdo.wasm $(GENERATED)
	node --test --test-concurrency=1 --test-timeout=300000 'tests/interop/*.test.mjs'

# The console in Debian's headless chromium (driven by playwright-core) against a
# wrangler dev with a token; screenshots of each page in build/console-screenshots/.
test-browser: $(STAMP_APT) $(STAMP_NPM) wasm/kafdo.wasm console
	node --test --test-concurrency=1 --test-timeout=300000 'tests/browser/*.test.mjs'

fuzz: $(addprefix $(BUILD)/fuzz_,$(FUZZERS)) $(BUILD)/make_seeds
	@$(BUILD)/make_seeds $(BUILD)/seeds
	@set -e; for f in $(FUZZERS); do \
	  mkdir -p $(BUILD)/corpus/$$f; \
	  echo "== fuzz_$$f ($(FUZZ_SECONDS)s)"; \
	  $(BUILD)/fuzz_$$f -artifact_prefix=$(BUILD)/ -max_total_time=$(FUZZ_SECONDS) $(BUILD)/corpus/$$f $(BUILD)/seeds/$$f 2>&1 | grep -E "DONE|ERROR|SUMMARY" | tail -2; \
	  test $${PIPESTATUS[0]} -eq 0; \
	done

# ---- formatting and linting -------------------------------------------------

# prettier (.prettierrc.json) and eslint (eslint.config.mjs) for the TypeScript and
# JavaScript, clang-format (.clang-format) for the C. `make lint` only checks, runs
# all three whatever the first ones found, and fails if any found something; `make
# format` rewrites what prettier and clang-format would change (eslint's findings are
# fixed by hand). crc32c_table.h is generated data, laid out by its generator; the
# tables of kafka_schema.c and a few byte frames in tests/c keep their hand layout
# between /* clang-format off */ and /* clang-format on */.
JS_FILES := '{worker,wasm,bin,scripts,tests,bench,console}/**/*.{ts,mjs,js}' bin/kafdo
C_FILES = $(filter-out src-c/crc32c_table.h,$(wildcard src-c/*.[ch] tests/c/*.[ch] bench/*.c))

lint: $(STAMP_NPM) $(STAMP_APT)
	@status=0; \
	echo "== prettier --check"; prettier --check --log-level warn $(JS_FILES) || status=1; \
	echo "== eslint"; eslint $(JS_FILES) || status=1; \
	echo "== clang-format"; changed=0; \
	for f in $(C_FILES); do clang-format $$f | cmp -s $$f - || { echo "[warn] $$f"; changed=$$((changed + 1)); }; done; \
	if [ $$changed -gt 0 ]; then echo "clang-format would change $$changed files"; status=1; fi; \
	if [ $$status -ne 0 ]; then echo "make lint: see above; make format rewrites the layout"; fi; \
	exit $$status

format: $(STAMP_NPM) $(STAMP_APT)
	prettier --write --log-level warn $(JS_FILES)
	clang-format -i $(C_FILES)

# ---- running ----------------------------------------------------------------

# wrangler dev and, beside it, the Kafka relay pointed at it (scripts/dev.mjs; its ports
# are KAFDO_HTTP_PORT and KAFDO_KAFKA_PORT, from the command line or the environment).
dev: deps wasm/kafdo.wasm $(GENERATED)
	node scripts/dev.mjs

bench: deps wasm/kafdo.wasm $(BUILD)/bench_native $(BUILD)/bench_lifecycle $(BUILD)/kafka_stub_broker
	bash bench/run.sh

clean:
	rm -rf $(BUILD) wasm/kafdo.wasm dist
