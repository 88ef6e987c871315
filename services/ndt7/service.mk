# ndt7 measurement server (services/ndt7, README "ndt7"). Included by the
# top-level Makefile before UNIT_BINS and FUZZ_BINS are computed.
#
# Built with the host's gcc against Debian's libssl-dev, zlib1g-dev and
# libjansson-dev (access token keys and claims), dynamically linked: the
# image takes the binary's shared-library closure from the Debian packages
# libssl3, zlib1g, libjansson4 and libc6 (as it does for iperf3): ndt7 needs
# all four in the board's PACKAGES.

NDT7_SRCS := $(addprefix services/ndt7/,main.c supervise.c metrics.c httpd.c txcontroller.c listen.c loop.c conn.c conn_state.c peers.c record.c \
	ws_out.c transport.c transport_tls.c tls.c http.c ws.c measure.c json.c spool.c log.c memory.c \
	result.c uuid.c gzip.c settings_args.c www.c reload.c \
	jwk.c token.c)
NDT7_HDRS := $(wildcard services/ndt7/*.h)
NDT7_OBJS := $(patsubst services/ndt7/%.c,$(BUILD)/ndt7/%.o,$(NDT7_SRCS))
NDT7_BIN := $(BUILD)/ndt7-server

$(NDT7_OBJS): $(BUILD)/ndt7/%.o: services/ndt7/%.c $(NDT7_HDRS) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -c $< -o $@

$(NDT7_BIN): $(NDT7_OBJS) $(HOST_LIB)
	$(quiet) LD "$@"
	$(Q)$(HOSTCC) -o $@ $(NDT7_OBJS) $(HOST_LIB) -ljansson -lssl -lcrypto -lz -lm

# For the soak test under LeakSanitizer (tests/bats/ndt7-soak.bats), not the
# image: the same sources with ASan and UBSan, and NDT7_TEST_LEAK, a switch
# (environment NDT7_TEST_LEAK=1) that leaks a little per record, to prove
# that the leak check runs in the workers.
NDT7_ASAN_BIN := $(HOSTBUILD)/ndt7-server-asan
NDT7_ASAN_OBJS := $(patsubst services/ndt7/%.c,$(HOSTBUILD)/ndt7-asan/%.o,$(NDT7_SRCS))
$(NDT7_ASAN_OBJS): $(HOSTBUILD)/ndt7-asan/%.o: services/ndt7/%.c $(NDT7_HDRS) | deps
	$(quiet) HOSTCC "$< (ASan)"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(SAN_CFLAGS) -DNDT7_TEST_LEAK -c $< -o $@
$(NDT7_ASAN_BIN): $(NDT7_ASAN_OBJS) $(HOST_LIB)
	$(quiet) LD "$@"
	$(Q)$(HOSTCC) $(SAN_CFLAGS) -o $@ $(NDT7_ASAN_OBJS) $(HOST_LIB) -ljansson -lssl -lcrypto -lz -lm
.PHONY: ndt7-asan
ndt7-asan: $(NDT7_ASAN_BIN)

SERVICE_BINS += $(NDT7_BIN)
all: $(NDT7_BIN)
.PHONY: ndt7
ndt7: $(NDT7_BIN)

# The test page (services/ndt7/www, ours) and M-Lab's ndt7-js beside it:
# npm @m-lab/ndt7 at the version tests/ndt7/package-lock.json pins, fetched
# once into the cache and checked against the lock's sha512 (fetch-js).
NDT7_WWW := $(BUILD)/ndt7-www
NDT7_JS := $(addprefix $(NDT7_WWW)/,ndt7.js ndt7-download-worker.js ndt7-upload-worker.js \
	LICENSE.ndt7-js)
$(NDT7_JS) &: tests/ndt7/package-lock.json services/ndt7/fetch-js | deps
	$(quiet) NPM "@m-lab/ndt7 -> $(NDT7_WWW)"
	$(Q)services/ndt7/fetch-js $(NDT7_WWW)
SERVICE_BINS += $(NDT7_JS)
$(OUT)/initramfs.cpio.zst: $(wildcard services/ndt7/www/*)
.PHONY: ndt7-www
ndt7-www: $(NDT7_JS)

# Unit tests and fuzz targets of the pure parts. The generic recipes have no
# -Iservices/ndt7: the target-specific variables add it.
NDT7_UNIT_TESTS := test_ndt7_http test_ndt7_ws test_ndt7_measure test_ndt7_json \
	test_ndt7_spool test_ndt7_conn_state test_ndt7_transport test_ndt7_ws_out test_ndt7_record \
	test_ndt7_peers test_ndt7_metrics test_ndt7_token
UNIT_TESTS += $(NDT7_UNIT_TESTS)
NDT7_UNIT := $(addprefix $(HOSTBUILD)/tests/,$(NDT7_UNIT_TESTS))
$(NDT7_UNIT): SAN_CFLAGS += -Iservices/ndt7
$(NDT7_UNIT): $(NDT7_HDRS)
$(HOSTBUILD)/tests/test_ndt7_measure: SAN_CFLAGS += -Wl,--push-state,--no-as-needed -lm -Wl,--pop-state
$(HOSTBUILD)/tests/test_ndt7_http: tests/unit/test_ndt7_http.c services/ndt7/http.c services/ndt7/json.c
$(HOSTBUILD)/tests/test_ndt7_ws: tests/unit/test_ndt7_ws.c services/ndt7/ws.c services/ndt7/json.c
$(HOSTBUILD)/tests/test_ndt7_measure: tests/unit/test_ndt7_measure.c services/ndt7/measure.c \
	services/ndt7/json.c
$(HOSTBUILD)/tests/test_ndt7_json: tests/unit/test_ndt7_json.c services/ndt7/json.c
$(HOSTBUILD)/tests/test_ndt7_spool: tests/unit/test_ndt7_spool.c services/ndt7/spool.c \
	services/ndt7/result.c services/ndt7/json.c services/ndt7/log.c
$(HOSTBUILD)/tests/test_ndt7_conn_state: tests/unit/test_ndt7_conn_state.c \
	services/ndt7/conn_state.c
$(HOSTBUILD)/tests/test_ndt7_peers: SAN_CFLAGS += -Wl,--push-state,--no-as-needed -lcrypto -Wl,--pop-state
$(HOSTBUILD)/tests/test_ndt7_peers: tests/unit/test_ndt7_peers.c services/ndt7/peers.c \
	services/ndt7/log.c
$(HOSTBUILD)/tests/test_ndt7_record: SAN_CFLAGS += -Wl,--push-state,--no-as-needed -lm -lz \
	-Wl,--pop-state
$(HOSTBUILD)/tests/test_ndt7_record: tests/unit/test_ndt7_record.c services/ndt7/record.c \
	services/ndt7/spool.c services/ndt7/measure.c services/ndt7/http.c services/ndt7/json.c \
	services/ndt7/log.c services/ndt7/result.c services/ndt7/uuid.c services/ndt7/gzip.c
# The metrics' exposition text, the txcontroller's average, the supervisor's
# HTTP request parser.
$(HOSTBUILD)/tests/test_ndt7_metrics: SAN_CFLAGS += -Wl,--push-state,--no-as-needed -lm -Wl,--pop-state
$(HOSTBUILD)/tests/test_ndt7_metrics: tests/unit/test_ndt7_metrics.c services/ndt7/metrics.c \
	services/ndt7/txcontroller.c services/ndt7/httpd.c services/ndt7/log.c
# Access tokens: keys and tokens made in the test with OpenSSL.
NDT7_TOKEN_LIBS := -Wl,--push-state,--no-as-needed -ljansson -lcrypto -Wl,--pop-state
$(HOSTBUILD)/tests/test_ndt7_token: SAN_CFLAGS += $(NDT7_TOKEN_LIBS)
$(HOSTBUILD)/tests/test_ndt7_token: tests/unit/test_ndt7_token.c services/ndt7/token.c \
	services/ndt7/jwk.c services/ndt7/http.c services/ndt7/json.c
# The transports over a socketpair, TLS with a certificate made by tls.c.
NDT7_SSL_LIBS := -Wl,--push-state,--no-as-needed -lssl -lcrypto -Wl,--pop-state
$(HOSTBUILD)/tests/test_ndt7_transport: SAN_CFLAGS += $(NDT7_SSL_LIBS)
$(HOSTBUILD)/tests/test_ndt7_transport: tests/unit/test_ndt7_transport.c \
	services/ndt7/transport.c services/ndt7/transport_tls.c services/ndt7/tls.c \
	services/ndt7/log.c
$(HOSTBUILD)/tests/test_ndt7_ws_out: SAN_CFLAGS += $(NDT7_SSL_LIBS)
$(HOSTBUILD)/tests/test_ndt7_ws_out: tests/unit/test_ndt7_ws_out.c services/ndt7/ws_out.c \
	services/ndt7/ws.c services/ndt7/measure.c services/ndt7/json.c services/ndt7/transport.c
$(HOSTBUILD)/tests/test_ndt7_ws_out: SAN_CFLAGS += -Wl,--push-state,--no-as-needed -lm \
	-Wl,--pop-state

FUZZ_TARGETS += fuzz_ndt7_http fuzz_ndt7_ws fuzz_ndt7_httpd fuzz_ndt7_token
NDT7_FUZZ := $(HOSTBUILD)/fuzz/fuzz_ndt7_http $(HOSTBUILD)/fuzz/fuzz_ndt7_ws \
	$(HOSTBUILD)/fuzz/fuzz_ndt7_httpd $(HOSTBUILD)/fuzz/fuzz_ndt7_token
$(NDT7_FUZZ): STD += -Iservices/ndt7
$(NDT7_FUZZ): $(NDT7_HDRS)
$(HOSTBUILD)/fuzz/fuzz_ndt7_http: tests/fuzz/fuzz_ndt7_http.c services/ndt7/http.c services/ndt7/json.c
$(HOSTBUILD)/fuzz/fuzz_ndt7_ws: tests/fuzz/fuzz_ndt7_ws.c services/ndt7/ws.c services/ndt7/json.c
$(HOSTBUILD)/fuzz/fuzz_ndt7_httpd: tests/fuzz/fuzz_ndt7_httpd.c services/ndt7/httpd.c \
	services/ndt7/log.c
# Libraries after the objects (FUZZ_LIB is last on the link line).
$(HOSTBUILD)/fuzz/fuzz_ndt7_token: FUZZ_LIB += -ljansson -lcrypto
$(HOSTBUILD)/fuzz/fuzz_ndt7_token: tests/fuzz/fuzz_ndt7_token.c services/ndt7/token.c \
	services/ndt7/jwk.c services/ndt7/http.c services/ndt7/json.c

# The load client of bench/ndt7 (not in the image): a host tool.
NDT7_CLIENT := $(HOSTBUILD)/ndt7-client
# It reads frames with the server's ws.c (UTF-8 checks from json.c).
$(NDT7_CLIENT): bench/ndt7-client.c services/ndt7/ws.c services/ndt7/ws.h services/ndt7/json.c | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -Iservices/ndt7 -o $@ \
		$(filter %.c,$^) -lssl -lcrypto
.PHONY: ndt7-client
ndt7-client: $(NDT7_CLIENT)

# The load of the soak (bench/ndt7 --soak, tests/bats/ndt7-soak.bats).
NDT7_SOAK := $(HOSTBUILD)/ndt7-soak
$(NDT7_SOAK): bench/ndt7-soak.c services/ndt7/ws.c services/ndt7/ws.h services/ndt7/json.c | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -Iservices/ndt7 -pthread -o $@ \
		$(filter %.c,$^) -lssl -lcrypto
# The cost of a spool write with 25,000 records (bench/ndt7 --soak).
NDT7_SPOOL_BENCH := $(HOSTBUILD)/ndt7-spool-bench
$(NDT7_SPOOL_BENCH): bench/ndt7-spool.c services/ndt7/spool.c services/ndt7/json.c \
	services/ndt7/log.c $(NDT7_HDRS) $(HOST_LIB) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -Iservices/ndt7 -o $@ \
		$(filter %.c,$^) $(HOST_LIB)
.PHONY: ndt7-soak
ndt7-soak: $(NDT7_SOAK) $(NDT7_SPOOL_BENCH)
