# The uploader's transports (services/uploader/target.h: GCS JSON API with
# a service account's OAuth token, or HTTPS PUT), kept apart from the
# uploader's own service.mk. Included by mk/tests.mk with the services'
# service.mk files. UPLOADER_TARGET_SRCS is for the uploader's link.
UPLOADER_TARGET_SRCS := $(addprefix services/uploader/,target.c put.c gcs.c oauth.c)
UPLOADER_TARGET_HDRS := services/uploader/target.h services/uploader/target_int.h
UPLOADER_TARGET_OBJS := $(patsubst services/uploader/%.c,$(BUILD)/uploader-target/%.o,\
	$(UPLOADER_TARGET_SRCS))

$(UPLOADER_TARGET_OBJS): $(BUILD)/uploader-target/%.o: services/uploader/%.c $(UPLOADER_TARGET_HDRS) \
	| deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

# The test driver of tests/bats/uploader-target.bats (a host tool, not in
# the image): one upload through target.h, its outcome printed.
UPLOAD_ONE := $(HOSTBUILD)/upload-one
$(UPLOAD_ONE): tests/uploader/upload-one.c $(UPLOADER_TARGET_OBJS) $(NET_LIB) $(HOST_LIB) \
	$(UPLOADER_TARGET_HDRS) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -Iservices/uploader -o $@ $< \
		$(UPLOADER_TARGET_OBJS) $(NET_LIB) $(HOST_LIB) -ljansson -lssl -lcrypto
.PHONY: upload-one
upload-one: $(UPLOAD_ONE)
all: $(UPLOAD_ONE)

# Unit tests and fuzz targets: the transports' pure parts, linked with the
# rest of them and lib/net (the sanitizer and fuzzer flavors of each).
UPLOADER_TARGET_LINK := $(UPLOADER_TARGET_SRCS) $(NET_SRCS)
UNIT_TESTS += test_uploader_target test_uploader_oauth
UPLOADER_TARGET_UNIT := $(HOSTBUILD)/tests/test_uploader_target $(HOSTBUILD)/tests/test_uploader_oauth
$(UPLOADER_TARGET_UNIT): SAN_CFLAGS += -Iservices/uploader -Wl,--push-state,--no-as-needed \
	-ljansson -lssl -lcrypto -Wl,--pop-state
$(UPLOADER_TARGET_UNIT): $(UPLOADER_TARGET_HDRS)
$(HOSTBUILD)/tests/test_uploader_target: tests/unit/test_uploader_target.c $(UPLOADER_TARGET_LINK)
$(HOSTBUILD)/tests/test_uploader_oauth: tests/unit/test_uploader_oauth.c $(UPLOADER_TARGET_LINK)

FUZZ_TARGETS += fuzz_uploader_target
UPLOADER_TARGET_FUZZ := $(HOSTBUILD)/fuzz/fuzz_uploader_target
$(UPLOADER_TARGET_FUZZ): STD += -Iservices/uploader
$(UPLOADER_TARGET_FUZZ): FUZZ_LIB += -ljansson -lssl -lcrypto
$(UPLOADER_TARGET_FUZZ): $(UPLOADER_TARGET_HDRS)
$(UPLOADER_TARGET_FUZZ): tests/fuzz/fuzz_uploader_target.c $(UPLOADER_TARGET_LINK)
