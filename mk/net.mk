# lib/net (https.h, wsclient.h): the test driver of tests/bats/net-client.bats
# (a host tool, not in the image), unit tests and fuzz targets. Included
# by mk/tests.mk before UNIT_BINS and FUZZ_BINS are computed.
NETGET := $(HOSTBUILD)/netget
$(NETGET): tests/net/netget.c $(NET_LIB) $(HOST_LIB) | deps
	$(quiet) HOSTCC "$<"
	$(Q)mkdir -p $(dir $@) && $(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(NET_LIB) $(HOST_LIB) \
		-lssl -lcrypto
.PHONY: netget
netget: $(NETGET)
all: $(NETGET)
UNIT_TESTS += test_net_http test_net_ws
$(HOSTBUILD)/tests/test_net_http: tests/unit/test_net_http.c lib/net/http_response.c lib/net/url.c
$(HOSTBUILD)/tests/test_net_ws: tests/unit/test_net_ws.c lib/net/ws_frame.c
FUZZ_TARGETS += fuzz_http_response fuzz_ws_client
$(HOSTBUILD)/fuzz/fuzz_http_response: tests/fuzz/fuzz_http_response.c lib/net/http_response.c \
	lib/net/url.c
$(HOSTBUILD)/fuzz/fuzz_ws_client: tests/fuzz/fuzz_ws_client.c lib/net/ws_frame.c
