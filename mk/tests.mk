# Tests: unit tests (ASan/UBSan), libFuzzer targets, the suites of
# tests/run, and the benchmarks.
#
# A test or fuzz target is declared by one rule naming its sources
# ("$(HOSTBUILD)/tests/test_x: tests/unit/test_x.c init/x.c"); the generic
# rules below compile each source once per flavor and link the objects with
# that flavor's lib archive. services/NAME/service.mk declares its own.

UNIT_TESTS += test_cmdline test_settings test_settings_service test_cpio test_select test_service test_shutdown test_initconfig
UNIT_TESTS += test_modalias test_inventory test_inventory_install test_ipmi test_ipmi_lan test_ipmi_watchdog test_lib
FUZZ_TARGETS += fuzz_cmdline fuzz_settings fuzz_manifest fuzz_service fuzz_initconfig fuzz_coldplug fuzz_inventory
FUZZ_TARGETS += fuzz_ipmi

$(HOSTBUILD)/tests/test_cmdline: tests/unit/test_cmdline.c
$(HOSTBUILD)/tests/test_settings: tests/unit/test_settings.c
$(HOSTBUILD)/tests/test_settings_service: tests/unit/test_settings_service.c
$(HOSTBUILD)/tests/test_cpio: tests/unit/test_cpio.c image/cpio.c
$(HOSTBUILD)/tests/test_select: tests/unit/test_select.c netcfg/select.c
$(HOSTBUILD)/tests/test_service: tests/unit/test_service.c init/service.c init/child.c
$(HOSTBUILD)/tests/test_shutdown: tests/unit/test_shutdown.c init/shutdown_fsm.c
$(HOSTBUILD)/tests/test_initconfig: tests/unit/test_initconfig.c
$(HOSTBUILD)/tests/test_modalias: tests/unit/test_modalias.c init/modalias.c
$(HOSTBUILD)/tests/test_inventory: tests/unit/test_inventory.c $(INVENTORY_SRCS)
$(HOSTBUILD)/tests/test_inventory_install: tests/unit/test_inventory_install.c $(INVENTORY_SRCS)
$(HOSTBUILD)/tests/test_ipmi: tests/unit/test_ipmi.c init/ipmi_msg.c
$(HOSTBUILD)/tests/test_ipmi_lan: tests/unit/test_ipmi_lan.c init/ipmi_lan.c init/ipmi_msg.c
$(HOSTBUILD)/tests/test_ipmi_watchdog: tests/unit/test_ipmi_watchdog.c init/watchdog.c init/ipmi_msg.c
$(HOSTBUILD)/tests/test_lib: tests/unit/test_lib.c

$(HOSTBUILD)/fuzz/fuzz_cmdline: tests/fuzz/fuzz_cmdline.c
$(HOSTBUILD)/fuzz/fuzz_settings: tests/fuzz/fuzz_settings.c
$(HOSTBUILD)/fuzz/fuzz_manifest: tests/fuzz/fuzz_manifest.c image/cpio.c
$(HOSTBUILD)/fuzz/fuzz_service: tests/fuzz/fuzz_service.c init/service.c
$(HOSTBUILD)/fuzz/fuzz_initconfig: tests/fuzz/fuzz_initconfig.c
$(HOSTBUILD)/fuzz/fuzz_coldplug: tests/fuzz/fuzz_coldplug.c init/modalias.c
$(HOSTBUILD)/fuzz/fuzz_inventory: tests/fuzz/fuzz_inventory.c $(INVENTORY_SRCS)
$(HOSTBUILD)/fuzz/fuzz_ipmi: tests/fuzz/fuzz_ipmi.c init/ipmi_msg.c

# lib/net's tests, fuzz targets and test driver.
include mk/net.mk

# Each service under services/ brings its own rules, unit tests and fuzz
# targets (services/NAME/service.mk adds to UNIT_TESTS, FUZZ_TARGETS and
# SERVICE_BINS).
# The uploader's transports (target.h) have rules of their own, read first:
# services/uploader/service.mk links $(UPLOADER_TARGET_OBJS).
include $(wildcard services/uploader/target.mk)
include $(wildcard services/*/service.mk)
# The image ships the services of its board's SERVICES (services/NAME/image,
# read by image/mkinitramfs with @BUILD@ = $(BUILD)); SERVICE_BINS is only
# complete here, after the service.mk files.
$(OUT)/initramfs.cpio.zst: $(SERVICE_BINS) $(wildcard services/*/image services/*/*.service services/*/*.conf services/*/*.jwk)
UNIT_BINS := $(addprefix $(HOSTBUILD)/tests/,$(UNIT_TESTS))
FUZZ_BINS := $(addprefix $(HOSTBUILD)/fuzz/,$(FUZZ_TARGETS))

# The objects of the sources each binary's rules named ($$^: the
# prerequisites of the rules above, for the same target).
.SECONDEXPANSION:
$(UNIT_BINS): $$(patsubst %.c,$(HOSTBUILD)/san/%.o,$$(filter %.c,$$^)) $(SAN_LIB) | deps
	$(quiet) HOSTLD "$@ (ASan/UBSan)"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(SAN_CFLAGS) -o $@ $(filter %.o,$^) $(SAN_LIB)

$(FUZZ_BINS): $$(patsubst %.c,$(HOSTBUILD)/fuzzobj/%.o,$$(filter %.c,$$^)) $(FUZZ_LIB) | deps
	$(quiet) FUZZ "$@"
	$(Q)mkdir -p $(dir $@) && clang $(FUZZ_CFLAGS) -o $@ $(filter %.o,$^) $(FUZZ_LIB)

.PHONY: unit fuzz-build fuzz check-quick check bench
unit: $(UNIT_BINS)
fuzz-build: $(FUZZ_BINS)

# Long fuzzing runs (make check does a bounded smoke run of each target):
# FUZZ_SECONDS per target, inputs up to FUZZ_MAX_LEN bytes, the targets in
# FUZZ_RUN (default: all). Each target's corpus lives in
# $(O)/fuzz-corpus/NAME, seeded from tests/fuzz/corpus/NAME and kept, so
# the next run goes on from what this one found; a crash stops the run and
# leaves its input in $(HOSTBUILD)/fuzz/NAME-crash-*. Overnight, one target:
#   make fuzz FUZZ_RUN=fuzz_inventory FUZZ_SECONDS=28800
FUZZ_SECONDS ?= 300
FUZZ_MAX_LEN ?= 65536
FUZZ_RUN ?= $(FUZZ_TARGETS)
fuzz: $(FUZZ_BINS)
	$(Q)for f in $(FUZZ_RUN); do \
		c=$(O)/fuzz-corpus/$${f#fuzz_} && mkdir -p $$c && \
		cp tests/fuzz/corpus/$${f#fuzz_}/* $$c/ && \
		echo "  FUZZ    $$f for $(FUZZ_SECONDS)s, inputs up to $(FUZZ_MAX_LEN) bytes, corpus $$c" && \
		$(HOSTBUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
			-artifact_prefix=$(HOSTBUILD)/fuzz/$$f- $$c > $$c.log 2>&1; \
		rc=$$?; tail -n 2 $$c.log; \
		[ $$rc = 0 ] || { echo "  FAILED  $$f: see $$c.log" >&2; exit 1; }; \
	done

# The test runner prints TAP per suite and ends with "N passed, N failed".
check-quick: all unit fuzz-build $(MKMACHINES)
	$(Q)tests/run --quick --out $(O) --board $(BOARD)

check: all unit fuzz-build $(MKMACHINES)
	$(Q)tests/run --out $(O) --board $(BOARD)

bench: all
	bench/init --out $(O) --board $(BOARD)
	bench/netcfg --out $(O) --board $(BOARD)
	bench/boot --out $(O) --board $(BOARD)
	bench/fleet --out $(O) --board $(BOARD)

