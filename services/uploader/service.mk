# The uploader (services/uploader): bundles the spooled measurement records
# and uploads them (target.h: GCS or HTTPS PUT, whose rules are in
# target.mk). Included by the top-level Makefile like the other services.
#
# Built with the host's gcc, dynamically linked against Debian's
# libjansson, zlib and OpenSSL (the image takes libjansson4, zlib1g,
# libssl3 and libc6 from the board's PACKAGES).

UPLOADER_CORE := main.c config.c naming.c shape.c queue.c bundle.c journal.c core.c report.c \
	serve.c
UPLOADER_SRCS := $(addprefix services/uploader/,$(UPLOADER_CORE))
UPLOADER_HDRS := $(wildcard services/uploader/*.h)
UPLOADER_OBJS := $(patsubst services/uploader/%.c,$(BUILD)/uploader-core/%.o,$(UPLOADER_SRCS))
UPLOADER_BIN := $(BUILD)/uploader
# The transports' objects (target.mk's rules; same names whatever the order
# the makefiles are read in).
UPLOADER_TRANSPORT_OBJS := $(addprefix $(BUILD)/uploader-target/,target.o put.o gcs.o oauth.o)
UPLOADER_CFLAGS := -Iservices/uploader

$(BUILD)/uploader-core/%.o: services/uploader/%.c $(UPLOADER_HDRS) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) $(UPLOADER_CFLAGS) -c $< -o $@

$(UPLOADER_BIN): $(UPLOADER_OBJS) $(UPLOADER_TRANSPORT_OBJS) $(NET_LIB) $(HOST_LIB)
	$(quiet) LD "$@"
	$(Q)$(HOSTCC) -o $@ $(UPLOADER_OBJS) $(UPLOADER_TRANSPORT_OBJS) $(NET_LIB) $(HOST_LIB) \
		-ljansson -lz -lssl -lcrypto

# The transports come from branch p15-target: until it is merged only the
# core's unit tests and fuzz target build.
ifneq ($(wildcard services/uploader/target.c),)
SERVICE_BINS += $(UPLOADER_BIN)
all: $(UPLOADER_BIN)
endif
.PHONY: uploader
uploader: $(UPLOADER_BIN)

# Unit tests (tables; the core's cycle against a fake target) and the fuzz
# target of the parsers of outside input (records, registration, journal).
UPLOADER_UNIT_TESTS := test_uploader_pure test_uploader_core
UNIT_TESTS += $(UPLOADER_UNIT_TESTS)
UPLOADER_UNIT := $(addprefix $(HOSTBUILD)/tests/,$(UPLOADER_UNIT_TESTS))
$(UPLOADER_UNIT): SAN_CFLAGS += -Iservices/uploader \
	-Wl,--push-state,--no-as-needed -ljansson -lz -Wl,--pop-state
$(UPLOADER_UNIT): $(UPLOADER_HDRS)
$(HOSTBUILD)/tests/test_uploader_pure: tests/unit/test_uploader_pure.c \
	services/uploader/naming.c services/uploader/shape.c services/uploader/queue.c \
	services/uploader/journal.c services/uploader/config.c services/uploader/report.c \
	services/uploader/core.c services/uploader/bundle.c \
	tests/unit/uploader_fake_target.c
$(HOSTBUILD)/tests/test_uploader_core: tests/unit/test_uploader_core.c \
	services/uploader/naming.c services/uploader/shape.c services/uploader/queue.c \
	services/uploader/journal.c services/uploader/config.c services/uploader/report.c \
	services/uploader/core.c services/uploader/bundle.c \
	tests/unit/uploader_fake_target.c

FUZZ_TARGETS += fuzz_uploader
$(HOSTBUILD)/fuzz/fuzz_uploader: STD += -Iservices/uploader
$(HOSTBUILD)/fuzz/fuzz_uploader: FUZZ_LIB += -ljansson -lz
$(HOSTBUILD)/fuzz/fuzz_uploader: $(UPLOADER_HDRS)
$(HOSTBUILD)/fuzz/fuzz_uploader: tests/fuzz/fuzz_uploader.c services/uploader/shape.c \
	services/uploader/journal.c services/uploader/config.c services/uploader/naming.c \
	services/uploader/bundle.c
