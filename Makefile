# anomaly: anomaly detection inside PostgreSQL.  Built with PGXS.
#
#   make && make install         build and install into the PostgreSQL that pg_config names
#   make installcheck            pg_regress against a running server
#   test/run_all.sh              everything (unit, sanitizers, fuzz, pg_regress) on a throwaway cluster

EXTENSION  = anomaly
EXTVERSION = $(shell grep default_version $(EXTENSION).control | sed -e "s/.*'\(.*\)'/\1/")

MODULE_big = anomaly
CORE_SRCS  = $(sort $(wildcard src/core/*.c src/core/*/*.c))
GLUE_SRCS  = $(sort $(wildcard src/pg/*.c))
OBJS       = $(patsubst %.c,%.o,$(GLUE_SRCS) $(CORE_SRCS))

# The install script is assembled from one file per concern in install/,
# concatenated in the order of their names, into build/ (git-ignored).
INSTALL_PARTS = $(sort $(wildcard install/*.sql))
# The upgrade from the last release is assembled too, as TimescaleDB does:
# the hand-written install/updates/<release>--<this version>.sql (new columns,
# DROP of functions whose result type changed), the helpers of part 01, then
# the sections of ONCE_PARTS that create what is new in this version, each
# between the lines "-- new in <this version>:" and "-- end of new in <this
# version>" (a release deletes those two lines), and last every part that
# only (re)defines functions, aggregates and views with CREATE OR REPLACE,
# and their comments and grants, run again as they are.  ONCE_PARTS create
# what cannot be created twice (types, tables, policies, the header).
ONCE_PARTS   = install/00_header.sql install/05_types.sql install/60_detectors_tables.sql \
               install/61_detectors_security.sql
HELPER_PARTS = install/01_install_helpers.sql
REPLAY_PARTS = $(filter-out $(ONCE_PARTS) $(HELPER_PARTS),$(INSTALL_PARTS))
NEW_SECTION  = new in $(EXTVERSION)
UPDATE_DELTA = $(wildcard install/updates/*--$(EXTVERSION).sql)
UPDATE_BUILT = $(patsubst install/updates/%,build/$(EXTENSION)--%,$(UPDATE_DELTA))
DATA_built = build/$(EXTENSION)--$(EXTVERSION).sql $(UPDATE_BUILT)
# The released upgrade scripts, and the install script of the first release
# (PostgreSQL installs any older version as 0.1.0 followed by the upgrades),
# are installed as they are.  At a release, the built upgrade is copied
# there and install/updates/ starts the next version's.
DATA       = $(wildcard install/versions/*.sql)

# Every sql/*.sql is a pg_regress test.
REGRESS      = $(sort $(notdir $(basename $(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=$(EXTENSION)

OPENBLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null)
OPENBLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -lopenblas)

# -ffp-contract=off: no fused multiply-add, so catch22 and the models are
# bit-for-bit the same on every machine (see docs/ and the catch22 spec).
PG_CPPFLAGS += -Isrc $(OPENBLAS_CFLAGS)
PG_CFLAGS   += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
               -Wno-sign-compare -ffp-contract=off $(OPTFLAGS)
SHLIB_LINK  += $(OPENBLAS_LIBS) -lm

EXTRA_CLEAN += build

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The LLVM bitcode that JIT inlining may use is compiled by clang, whose default
# (-ffp-contract=on) would let the JIT fuse multiply-adds: keep it off there too.
BITCODE_CFLAGS += -ffp-contract=off

build/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS) $(EXTENSION).control
	@mkdir -p $(@D)
	cat $(INSTALL_PARTS) > $@

# A replayed part must not CREATE without OR REPLACE: that fails on an upgrade
# when the object exists, or on the next release's upgrade when it is new.
$(UPDATE_BUILT): build/$(EXTENSION)--%.sql: install/updates/%.sql $(HELPER_PARTS) $(ONCE_PARTS) $(REPLAY_PARTS) \
		$(EXTENSION).control
	@! grep -nE '^CREATE +(FUNCTION|AGGREGATE|VIEW|TYPE|TABLE|SEQUENCE|INDEX|UNIQUE|POLICY|TRIGGER)' $(HELPER_PARTS) $(REPLAY_PARTS) \
		|| { echo "the upgrade runs these parts again: use CREATE OR REPLACE; a type, table or policy" \
		        "goes into a part of ONCE_PARTS, in its section '$(NEW_SECTION)'" >&2; exit 1; }
	@for f in $(ONCE_PARTS); do \
		[ "$$(grep -c '^-- $(NEW_SECTION):$$' $$f)" = "$$(grep -c '^-- end of $(NEW_SECTION)$$' $$f)" ] \
		|| { echo "$$f: a section '$(NEW_SECTION)' is not closed" >&2; exit 1; }; \
	done
	@mkdir -p $(@D)
	cat $< $(HELPER_PARTS) > $@
	sed -s -n '/^-- $(NEW_SECTION):$$/,/^-- end of $(NEW_SECTION)$$/p' $(ONCE_PARTS) >> $@
	cat $(REPLAY_PARTS) >> $@

# PGXS tracks no header dependencies: a struct changed in a header must not
# leave objects compiled against its old layout (a stale object crashed).
$(OBJS) $(OBJS:.o=.bc): $(wildcard src/pg/*.h src/core/*.h src/core/*/*.h)

# Core objects must never see PostgreSQL headers: compile them as strict C11.
# -O3 lets GCC run independent iterations (the phases of a lag's score, say)
# several at a time; it changes no floating-point result (no -ffast-math: sums
# keep their order), and every model comes out byte for byte the same.
src/core/%.o: override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -O3

.PHONY: unit fuzz
unit:
	$(MAKE) -f test/unit/unit.mk run
fuzz:
	$(MAKE) -f test/fuzz/fuzz.mk run
