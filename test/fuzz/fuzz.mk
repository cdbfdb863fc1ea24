# Builds the libFuzzer targets with clang (ASan + UBSan + LeakSanitizer) and
# runs each for FUZZ_SECONDS, starting from seeds made by the make_*seeds.c programs.
#   make -f test/fuzz/fuzz.mk run FUZZ_SECONDS=60
# The long mode runs each target for a number of executions instead (hours):
#   make -f test/fuzz/fuzz.mk run FUZZ_RUNS=10000000

CLANG        ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?=
FUZZ_LIMIT   := $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS))
BUILD        := build/fuzz
CORE_SRCS    := $(sort $(wildcard src/core/*.c src/core/*/*.c))
CORE_HDRS    := $(wildcard src/core/*.h src/core/*/*.h)
FUZZ_HDRS    := $(wildcard test/fuzz/*.h)
TARGETS      := $(patsubst test/fuzz/%.c,%,$(wildcard test/fuzz/fuzz_*.c))
OPENBLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
OPENBLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
FLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -ffp-contract=off -Isrc -Itest/fuzz $(OPENBLAS_CFLAGS)
SAN   := -fsanitize=address,undefined -fno-sanitize-recover=all

.PHONY: run seeds
$(BUILD)/%: test/fuzz/%.c $(CORE_SRCS) $(CORE_HDRS) $(FUZZ_HDRS)
	@mkdir -p $(BUILD)
	$(CLANG) $(FLAGS) $(SAN) -fsanitize=fuzzer -o $@ $< $(CORE_SRCS) $(OPENBLAS_LIBS) -lm

SEEDERS := $(patsubst test/fuzz/%.c,$(BUILD)/%,$(wildcard test/fuzz/make_*seeds.c))

$(BUILD)/make_%: test/fuzz/make_%.c $(CORE_SRCS) $(CORE_HDRS) $(FUZZ_HDRS)
	@mkdir -p $(BUILD)
	$(CLANG) $(FLAGS) -o $@ $< $(CORE_SRCS) $(OPENBLAS_LIBS) -lm

# every make_*seeds program writes valid models of its kind into the seed folder
seeds: $(SEEDERS)
	@rm -rf $(BUILD)/seeds && mkdir -p $(BUILD)/seeds
	@for s in $(SEEDERS); do $$s $(BUILD)/seeds || exit 1; done
	@# the frozen models of every kind and format version (hex, as pg_regress reads them)
	@for f in test/fixtures/*.hex; do \
		perl -ne 'chomp; s/^\\x//; print pack("H*", $$_)' $$f > $(BUILD)/seeds/fixture_$$(basename $$f .hex) || exit 1; \
	done

run: seeds $(addprefix $(BUILD)/,$(TARGETS))
	@status=0; \
	for t in $(TARGETS); do \
		mkdir -p $(BUILD)/corpus-$$t; \
		echo "fuzzing $$t ($(FUZZ_LIMIT))"; \
		OPENBLAS_NUM_THREADS=1 $(BUILD)/$$t $(FUZZ_LIMIT) -max_len=65536 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/crash-$$t- $(BUILD)/corpus-$$t $(BUILD)/seeds 2>$(BUILD)/$$t.log || { status=1; tail -60 $(BUILD)/$$t.log; }; \
		grep -E 'stat::number_of_executed_units|Done' $(BUILD)/$$t.log | tail -2; \
	done; exit $$status
