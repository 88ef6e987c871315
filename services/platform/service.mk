# The platform agent (services/platform): joins M-Lab's platform
# (token-exchange, autojoin, Locate heartbeat). Included by the top-level
# Makefile like services/ndt7/service.mk.
#
# Built with the host's gcc against Debian's libjansson-dev and lib/net's
# HTTPS/WebSocket clients (NET_LIB, OpenSSL), dynamically linked: the image
# takes the binary's libraries from the board's PACKAGES (libssl3,
# libjansson4, libc6).

PLATFORM_SRCS := $(addprefix services/platform/,main.c config.c autojoin.c heartbeat.c health.c \
	state.c status.c cert.c refused.c acme.c acme_msg.c acme_jws.c)
PLATFORM_HDRS := $(wildcard services/platform/*.h)
PLATFORM_OBJS := $(patsubst services/platform/%.c,$(BUILD)/platform/%.o,$(PLATFORM_SRCS))
PLATFORM_BIN := $(BUILD)/platform-agent

$(PLATFORM_OBJS): $(BUILD)/platform/%.o: services/platform/%.c $(PLATFORM_HDRS) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(PLATFORM_BIN): $(PLATFORM_OBJS) $(NET_LIB) $(HOST_LIB)
	$(quiet) LD "$@"
	$(Q)$(HOSTCC) -o $@ $(PLATFORM_OBJS) $(NET_LIB) $(HOST_LIB) -ljansson -lssl -lcrypto

# The binary needs lib/net's implementation (branch p14-net): until it is
# merged only the pure parts build (their unit tests and fuzz target).
ifneq ($(wildcard lib/net/https.c),)
SERVICE_BINS += $(PLATFORM_BIN)
all: $(PLATFORM_BIN)
endif
.PHONY: platform
platform: $(PLATFORM_BIN)

# The ACME client alone (acme.c, acme_jws.c: RFC 8555 http-01), for
# tests/bats/acme.bats against pebble: the agent calls the same code.
ACME_BIN := $(BUILD)/acme-client
ACME_OBJS := $(addprefix $(BUILD)/platform/,acme.o acme_msg.o acme_jws.o acme_main.o)
$(BUILD)/platform/acme_main.o: services/platform/acme_main.c $(PLATFORM_HDRS) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -c $< -o $@
$(ACME_BIN): $(ACME_OBJS) $(NET_LIB) $(HOST_LIB)
	$(quiet) LD "$@"
	$(Q)$(HOSTCC) -o $@ $(ACME_OBJS) $(NET_LIB) $(HOST_LIB) -ljansson -lssl -lcrypto
.PHONY: acme-client
acme-client: $(ACME_BIN)
all: $(ACME_BIN)

# Unit tests and the fuzz target of the pure parts (messages; lib/backoff.c's test too).
PLATFORM_UNIT_TESTS := test_platform_autojoin test_backoff test_platform_acme \
	test_platform_acme_jws test_platform_status
UNIT_TESTS += $(PLATFORM_UNIT_TESTS)
PLATFORM_UNIT := $(addprefix $(HOSTBUILD)/tests/,$(PLATFORM_UNIT_TESTS))
$(PLATFORM_UNIT): SAN_CFLAGS += -Iservices/platform
$(PLATFORM_UNIT): $(PLATFORM_HDRS)
$(HOSTBUILD)/tests/test_platform_autojoin: SAN_CFLAGS += -Wl,--push-state,--no-as-needed \
	-ljansson -lcrypto -Wl,--pop-state
$(HOSTBUILD)/tests/test_platform_autojoin: tests/unit/test_platform_autojoin.c \
	services/platform/autojoin.c
$(HOSTBUILD)/tests/test_backoff: tests/unit/test_backoff.c
$(HOSTBUILD)/tests/test_platform_status: tests/unit/test_platform_status.c \
	services/platform/status.c
$(HOSTBUILD)/tests/test_platform_acme $(HOSTBUILD)/tests/test_platform_acme_jws: \
	SAN_CFLAGS += -Wl,--push-state,--no-as-needed -ljansson -lssl -lcrypto -Wl,--pop-state
$(HOSTBUILD)/tests/test_platform_acme: tests/unit/test_platform_acme.c \
	services/platform/acme_msg.c
$(HOSTBUILD)/tests/test_platform_acme_jws: tests/unit/test_platform_acme_jws.c \
	services/platform/acme_jws.c

FUZZ_TARGETS += fuzz_platform_json fuzz_platform_acme
PLATFORM_FUZZ := $(HOSTBUILD)/fuzz/fuzz_platform_json $(HOSTBUILD)/fuzz/fuzz_platform_acme
$(PLATFORM_FUZZ): STD += -Iservices/platform
$(PLATFORM_FUZZ): $(PLATFORM_HDRS)
$(HOSTBUILD)/fuzz/fuzz_platform_json: FUZZ_LIB += -ljansson -lcrypto
$(HOSTBUILD)/fuzz/fuzz_platform_json: tests/fuzz/fuzz_platform_json.c services/platform/autojoin.c
$(HOSTBUILD)/fuzz/fuzz_platform_acme: FUZZ_LIB += -ljansson -lssl -lcrypto
$(HOSTBUILD)/fuzz/fuzz_platform_acme: tests/fuzz/fuzz_platform_acme.c services/platform/acme_msg.c
