# The platform agent (services/platform). The ACME part (acme.c,
# acme_jws.c: RFC 8555 http-01) and its test CLI acme-client; the agent
# itself adds its own sources here at merge.
#
# Host gcc against Debian's libssl-dev and libjansson-dev, with lib/net
# (NET_LIB); the image takes libssl3 and libjansson4 from PACKAGES.

ACME_SRCS := $(addprefix services/platform/,acme.c acme_jws.c)
ACME_HDRS := $(wildcard services/platform/*.h) lib/net/https.h
ACME_OBJS := $(patsubst services/platform/%.c,$(BUILD)/platform/%.o,$(ACME_SRCS))
ACME_BIN := $(BUILD)/acme-client

$(BUILD)/platform/%.o: services/platform/%.c $(ACME_HDRS) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(ACME_BIN): $(ACME_OBJS) $(BUILD)/platform/acme_main.o $(NET_LIB) $(HOST_LIB)
	$(quiet) LD "$@"
	$(Q)$(HOSTCC) -o $@ $(ACME_OBJS) $(BUILD)/platform/acme_main.o $(NET_LIB) $(HOST_LIB) \
		-ljansson -lssl -lcrypto

.PHONY: acme-client
acme-client: $(ACME_BIN)
all: $(ACME_BIN)
