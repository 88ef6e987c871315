# fathom-update (services/update): signed update bundles on the appliance.
# Built with the host's gcc against OpenSSL and lib/net's HTTPS client,
# like services/platform/service.mk. The bundles themselves: mk/update.mk.

UPDATE_SRCS := $(addprefix services/update/,main.c apply.c commit.c bundle.c grubenv.c verify.c stage.c slot.c fetch.c esp.c reboot.c \
	stick.c stick_watch.c)
UPDATE_HDRS := $(wildcard services/update/*.h)
UPDATE_OBJS := $(patsubst services/update/%.c,$(BUILD)/update/%.o,$(UPDATE_SRCS))
UPDATE_BIN := $(BUILD)/fathom-update

$(UPDATE_OBJS): $(BUILD)/update/%.o: services/update/%.c $(UPDATE_HDRS) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(UPDATE_BIN): $(UPDATE_OBJS) $(NET_LIB) $(HOST_LIB)
	$(quiet) LD "$@"
	$(Q)$(HOSTCC) -o $@ $(UPDATE_OBJS) $(NET_LIB) $(HOST_LIB) -lssl -lcrypto

SERVICE_BINS += $(UPDATE_BIN)
all: $(UPDATE_BIN)
.PHONY: fathom-update
fathom-update: $(UPDATE_BIN)

UNIT_TESTS += test_update_bundle test_update_grubenv test_update_esp test_update_reboot test_update_stick
$(HOSTBUILD)/tests/test_update_bundle $(HOSTBUILD)/tests/test_update_grubenv \
		$(HOSTBUILD)/tests/test_update_esp $(HOSTBUILD)/tests/test_update_reboot \
		$(HOSTBUILD)/tests/test_update_stick: \
	SAN_CFLAGS += -Iservices/update
$(HOSTBUILD)/tests/test_update_bundle: tests/unit/test_update_bundle.c services/update/bundle.c
$(HOSTBUILD)/tests/test_update_grubenv: tests/unit/test_update_grubenv.c services/update/grubenv.c
$(HOSTBUILD)/tests/test_update_esp: tests/unit/test_update_esp.c services/update/esp.c
$(HOSTBUILD)/tests/test_update_reboot: tests/unit/test_update_reboot.c services/update/reboot.c
$(HOSTBUILD)/tests/test_update_stick: tests/unit/test_update_stick.c services/update/stick.c

FUZZ_TARGETS += fuzz_update_bundle fuzz_update_grubenv fuzz_update_reboot
UPDATE_FUZZ := $(HOSTBUILD)/fuzz/fuzz_update_bundle $(HOSTBUILD)/fuzz/fuzz_update_grubenv \
	$(HOSTBUILD)/fuzz/fuzz_update_reboot
$(UPDATE_FUZZ): STD += -Iservices/update
$(HOSTBUILD)/fuzz/fuzz_update_bundle: tests/fuzz/fuzz_update_bundle.c services/update/bundle.c
$(HOSTBUILD)/fuzz/fuzz_update_grubenv: tests/fuzz/fuzz_update_grubenv.c services/update/grubenv.c
$(HOSTBUILD)/fuzz/fuzz_update_reboot: tests/fuzz/fuzz_update_reboot.c services/update/reboot.c
