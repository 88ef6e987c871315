# The installer (services/install): fathom-install, and the pure parts'
# unit tests and fuzz target (lib/disk). Included by mk/tests.mk.

INSTALL_SRCS := $(addprefix services/install/,main.c settings.c stick.c write.c efiboot.c)
INSTALL_HDRS := $(wildcard services/install/*.h lib/disk/*.h)
INSTALL_OBJS := $(patsubst services/install/%.c,$(BUILD)/install/%.o,$(INSTALL_SRCS))
INSTALL_BIN := $(BUILD)/fathom-install

$(INSTALL_OBJS): $(BUILD)/install/%.o: services/install/%.c $(INSTALL_HDRS) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(INSTALL_BIN): $(INSTALL_OBJS) $(HOST_LIB)
	$(quiet) LD "$@"
	$(Q)$(HOSTCC) -o $@ $(INSTALL_OBJS) $(HOST_LIB)

SERVICE_BINS += $(INSTALL_BIN)
all: $(INSTALL_BIN)
.PHONY: fathom-install
fathom-install: $(INSTALL_BIN)

UNIT_TESTS += test_disk test_install_settings
$(HOSTBUILD)/tests/test_disk: $(INSTALL_HDRS)
$(HOSTBUILD)/tests/test_disk: tests/unit/test_disk.c
$(HOSTBUILD)/tests/test_install_settings: SAN_CFLAGS += -Iservices/install
$(HOSTBUILD)/tests/test_install_settings: tests/unit/test_install_settings.c \
	services/install/settings.c

FUZZ_TARGETS += fuzz_disk_probe
$(HOSTBUILD)/fuzz/fuzz_disk_probe: tests/fuzz/fuzz_disk_probe.c
