# lib/: the shared layer, one static archive per build flavor. A program
# takes only the members it needs, and its own definition of a symbol wins
# over the archive's (log_sink: lib/log.h).

LIB_SRCS := $(wildcard lib/*.c lib/bootcfg/*.c lib/disk/*.c)

TARGET_LIB := $(BUILD)/libfathom.a
HOST_LIB := $(HOSTBUILD)/libfathom.a
SAN_LIB := $(HOSTBUILD)/san/libfathom.a
FUZZ_LIB := $(HOSTBUILD)/fuzzobj/libfathom.a

$(TARGET_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
$(HOST_LIB): $(patsubst %.c,$(HOSTBUILD)/obj/%.o,$(LIB_SRCS))
$(SAN_LIB): $(patsubst %.c,$(HOSTBUILD)/san/%.o,$(LIB_SRCS))
$(FUZZ_LIB): $(patsubst %.c,$(HOSTBUILD)/fuzzobj/%.o,$(LIB_SRCS))
$(TARGET_LIB) $(HOST_LIB) $(SAN_LIB) $(FUZZ_LIB):
	$(quiet) AR "$@"
	$(Q)rm -f $@ && ar rcs $@ $^

# The host flavors' objects (the target's are in target.mk).
$(HOSTBUILD)/obj/%.o: %.c | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(HOSTBUILD)/san/%.o: %.c | deps
	$(quiet) HOSTCC "$< (ASan/UBSan)"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(SAN_CFLAGS) $(UNIT_INCLUDES) -c $< -o $@

$(HOSTBUILD)/fuzzobj/%.o: %.c | deps
	$(quiet) CLANG "$< (fuzzer)"
	$(Q)mkdir -p $(dir $@) && clang $(FUZZ_CFLAGS) $(UNIT_INCLUDES) -c $< -o $@

# lib/net: the HTTPS and WebSocket clients of the services (https.h,
# wsclient.h). Their own archive, host flavors only: they need OpenSSL,
# which the static musl PID 1 does not have. Link a program with
# $(NET_LIB) $(HOST_LIB) -lssl -lcrypto (tests: $(SAN_NET_LIB) or
# $(FUZZ_NET_LIB) before their flavor's lib).
NET_SRCS := $(wildcard lib/net/*.c)
NET_LIB := $(HOSTBUILD)/libfathom-net.a
SAN_NET_LIB := $(HOSTBUILD)/san/libfathom-net.a
FUZZ_NET_LIB := $(HOSTBUILD)/fuzzobj/libfathom-net.a
$(NET_LIB): $(patsubst %.c,$(HOSTBUILD)/obj/%.o,$(NET_SRCS))
$(SAN_NET_LIB): $(patsubst %.c,$(HOSTBUILD)/san/%.o,$(NET_SRCS))
$(FUZZ_NET_LIB): $(patsubst %.c,$(HOSTBUILD)/fuzzobj/%.o,$(NET_SRCS))
$(NET_LIB) $(SAN_NET_LIB) $(FUZZ_NET_LIB):
	$(quiet) AR "$@"
	$(Q)rm -f $@ && ar rcs $@ $^
.PHONY: net-lib
net-lib: $(NET_LIB)
all: $(NET_LIB)
