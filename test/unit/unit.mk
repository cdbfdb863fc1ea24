# Builds every test/unit/test_*.c against all of src/core with AddressSanitizer
# and UndefinedBehaviorSanitizer, and runs them.  No PostgreSQL involved.
#   make -f test/unit/unit.mk run          all unit tests
#   make -f test/unit/unit.mk run T=model_format    one of them

CC        ?= cc
BUILD     := build/unit
CORE_SRCS := $(sort $(wildcard src/core/*.c src/core/*/*.c))
CORE_HDRS := $(wildcard src/core/*.h src/core/*/*.h)
TESTS     := $(if $(T),test/unit/test_$(T).c,$(sort $(wildcard test/unit/test_*.c)))
BINS      := $(patsubst test/unit/%.c,$(BUILD)/%,$(TESTS))
OPENBLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
OPENBLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
SAN       := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g -Wall -Wextra -Werror -Wno-unused-function \
	-ffp-contract=off -Isrc -Itest/unit $(OPENBLAS_CFLAGS) $(SAN)

.PHONY: build run
build: $(BINS)

$(BUILD)/%: test/unit/%.c $(CORE_SRCS) $(CORE_HDRS) $(wildcard test/unit/*.h)
	@mkdir -p $(BUILD)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(CORE_SRCS) $(OPENBLAS_LIBS) -lm

run: build
	@status=0; for b in $(BINS); do \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		OPENBLAS_NUM_THREADS=1 ./$$b || status=1; \
	done; exit $$status
