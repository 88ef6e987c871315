#!/usr/bin/env bats
# The booted image's ndt7 server configured from the kernel command line
# alone (fathom.ndt7.*: lib/bootcfg/settings.c, ndt7-server --settings):
# an access token verify key (a throwaway Ed25519 JWK, base64url), a label,
# Prometheus metrics on the machine's address. From the test namespace: a
# test without a token is refused with 401, one with a token minted for the
# machine's host name (tests/ndt7/mint-token.py: python3-jwt) completes, one
# for another machine is refused; the metrics pass promtool and count both
# decisions; /health stays on the machine's loopback. One VM for the file.

load lib
load '../ndt7/assert'

CONSOLE_PORT=4557
HOST=node2.example.org

setup_file() {
	export VM_CONSOLE_PORT=$CONSOLE_PORT
	export K=$BATS_FILE_TMPDIR/keys MINT=$TOP/tests/ndt7/mint-token.py
	mkdir -p "$K"
	"$MINT" keygen EdDSA locate_qemu "$K" || return 1
	# The public key only (a JWK is no secret); the private half stays here.
	b64=$(basenc --base64url -w0 < "$K/locate_qemu.jwk" | tr -d =)
	vm_boot ndt7-platform console=ttyS0,115200 fathom.shell fathom.hostname=$HOST \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1 \
		fathom.ndt7.token-verify-key="$b64" fathom.ndt7.label=site=qemu-ci \
		fathom.ndt7.metrics-listen=192.0.2.10:9990
	NODE_PATH=$("$TOP/tests/ndt7/install-client") || { vm_destroy; return 1; }
	export NODE_PATH
	export CLIENT=$TOP/tests/ndt7/client.js PRELOAD=$TOP/tests/ndt7/ws-global.js
	export RAW=$TOP/tests/ndt7/raw.js
	wait_for_ping 192.0.2.10 || true
	wait_until 60 grep -q "ndt7: .* ready: " "$CONSOLE" || true
}

# status TARGET: the HTTP status of an upgrade to 192.0.2.10:80 TARGET.
status() {
	in_ns timeout 20 node "$RAW" status 192.0.2.10 80 "$1" | jq -r .status
}

@test "the kernel command line's fathom.ndt7.* settings reach the server" {
	wait_until 60 grep -q "ndt7: .* ready: " "$CONSOLE"
	run tr -d '\r' < "$CONSOLE"
	assert_output --partial "access tokens: 1 verify key(s), audience $HOST, required"
	refute_output --partial "service ndt7: exited"
}

@test "without a token a test is refused with 401, and the console says why" {
	[ "$(status "/ndt/v7/download?client_name=qemu")" = 401 ]
	[ "$(status "/ndt/v7/upload?client_name=qemu")" = 401 ]
	wait_until 10 grep -q "refused: 401 access token required (missing" "$CONSOLE"
}

@test "a token minted for the machine's name: M-Lab's client completes download and upload" {
	tok=$("$MINT" sign "$K/locate_qemu.pem" --aud "$HOST")
	NDT7_ACCESS_TOKEN=$tok run in_ns timeout 90 node -r "$PRELOAD" "$CLIENT" 192.0.2.10:80 ws both
	assert_success
	ndt7_test_ok download BytesAcked
	ndt7_test_ok upload BytesReceived
	echo "$output" | jq -r '.download.firstServer.ConnectionInfo.UUID' > "$BATS_FILE_TMPDIR/uuid"
}

@test "a token for another machine, or an expired one, is refused with 401" {
	tok=$("$MINT" sign "$K/locate_qemu.pem" --aud other.example.org)
	[ "$(status "/ndt/v7/download?access_token=$tok")" = 401 ]
	tok=$("$MINT" sign "$K/locate_qemu.pem" --aud "$HOST" --exp -5)
	[ "$(status "/ndt/v7/download?access_token=$tok")" = 401 ]
	wait_until 10 grep -q "refused: 401 access token refused (audience)" "$CONSOLE"
	wait_until 10 grep -q "refused: 401 access token refused (expired)" "$CONSOLE"
}

@test "the record has the label from the command line and no access token" {
	[ -s "$BATS_FILE_TMPDIR/uuid" ] || skip "needs the test above"
	uuid=$(cat "$BATS_FILE_TMPDIR/uuid")
	case $uuid in "${HOST}_"*) ;; *) echo "UUID $uuid"; false ;; esac
	vm_shell "cat /var/spool/ndt7/ndt7/*/*/*/ndt7-download-*.$uuid.json"
	echo "$output" | head -c 600
	echo "$output" | jq -e '.Download.ServerMetadata == [{"Name": "site", "Value": "qemu-ci"}] and
		(.Download.ClientMetadata | map(.Name) | index("access_token")) == null'
	refute_output --partial "eyJ"
}

@test "metrics on the machine's address pass promtool and count the token decisions; health is loopback only" {
	in_ns timeout 20 curl -sf http://192.0.2.10:9990/metrics > "$BATS_FILE_TMPDIR/metrics"
	run promtool check metrics < "$BATS_FILE_TMPDIR/metrics"
	assert_success
	grep -E 'controller_access_token_requests_total\{path="/ndt/v7/download",request="rejected",reason="missing"\} [1-9]' \
		"$BATS_FILE_TMPDIR/metrics"
	grep -E 'controller_access_token_requests_total\{path="/ndt/v7/download",request="accepted",reason="locate"\} [1-9]' \
		"$BATS_FILE_TMPDIR/metrics"
	grep -E 'ndt7_client_test_results_total\{protocol="ndt7\+ws",direction="download",result="[a-z-]*"\} [1-9]' \
		"$BATS_FILE_TMPDIR/metrics"
	# /health answers on the machine's loopback only.
	run in_ns timeout 5 curl -s http://192.0.2.10:8000/health
	assert_failure
	vm_shell 'wget -q -O - http://127.0.0.1:8000/health; echo " health-status $?"'
	assert_output --partial "health-status 0"
}
