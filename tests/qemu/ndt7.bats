#!/usr/bin/env bats
# The default image's ndt7 server (services/ndt7, started by init as user
# ndt7 once the network is up) answering M-Lab's own client (npm
# @m-lab/ndt7 through tests/ndt7/client.js) from the host side of the test
# namespace: ws and wss, IPv4 and IPv6. One VM for the whole file; the rescue
# shell on its serial console shows what only the inside can see (the
# server's credentials, the sysctl, the spool). Under TCG throughput is low,
# so nothing here asserts a speed.

load lib
load '../ndt7/assert'

CONSOLE_PORT=4556

setup_file() {
	export VM_CONSOLE_PORT=$CONSOLE_PORT
	vm_boot ndt7 console=ttyS0,115200 fathom.shell fathom.hostname=node1.example.org \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1
	# npm ci once per lock file into the cache (offline later), while the VM boots.
	NODE_PATH=$("$TOP/tests/ndt7/install-client") || { vm_destroy; return 1; }
	export NODE_PATH
	export CLIENT=$TOP/tests/ndt7/client.js PRELOAD=$TOP/tests/ndt7/ws-global.js
	export CERT=$BATS_FILE_TMPDIR/ndt7-cert.pem
	wait_for_ping 192.0.2.10 || true
	wait_until 60 in_ns bash -c 'exec 5<>/dev/tcp/192.0.2.10/443' || true
	# The certificate the server generated at its first start, as a client
	# sees it: trusted below with NODE_EXTRA_CA_CERTS (client.js has no
	# pinning; skipping verification would not check the names it covers).
	in_ns timeout 20 openssl s_client -connect 192.0.2.10:443 -servername node1.example.org \
		-showcerts < /dev/null 2> /dev/null | sed -n '/-BEGIN CERTIFICATE-/,/-END CERTIFICATE-/p' \
		> "$CERT" || true
}

# ndt7_client HOSTPORT ws|wss download|upload|both: M-Lab's client, bounded.
ndt7_client() {
	in_ns timeout 60 node -r "$PRELOAD" "$CLIENT" "$@"
}

# assert_test_ok TEST COUNTER: tests/ndt7/assert.bash.
assert_test_ok() {
	ndt7_test_ok "$1" "$2"
}

# assert_both_ok ADDR: download and upload both completed, the server saw
# the client at ADDR (the namespace's bridge), and the connection used BBR.
assert_both_ok() {
	assert_test_ok download BytesAcked
	assert_test_ok upload BytesReceived
	echo "$output" | jq -r '[.download, .upload][] |
		"\(.seconds) s, \(.complete.LastServerMeasurement.AppInfo.NumBytes) bytes, BBR BW \(.complete.LastServerMeasurement.BBRInfo.BW)"'
	echo "$output" | jq -e --arg a "$1" '[.download, .upload][] |
		(.firstServer.ConnectionInfo.Client | startswith($a + ":")) and
		(.complete.LastServerMeasurement.BBRInfo | type) == "object"' > /dev/null ||
		{ echo "$output" | head -c 3000; echo; return 1; }
	echo "$output" | jq -e '.download.complete.LastServerMeasurement.BBRInfo.BW > 0' > /dev/null
	echo "$output" | jq -r '.download.firstServer.ConnectionInfo.UUID, .upload.firstServer.ConnectionInfo.UUID' \
		>> "$BATS_FILE_TMPDIR/uuids"
}

@test "init starts ndt7 after the network, as user ndt7 with CAP_NET_BIND_SERVICE only" {
	wait_until 60 grep -q "ndt7: .* ready: " "$CONSOLE"
	run tr -d '\r' < "$CONSOLE"
	refute_output --partial "service ndt7: exited"
	assert_output --partial "service ndt7-bbr: exited with status 0; not restarted"
	run grep -n -e "network: ready" -e "service ndt7: started" "$CONSOLE"
	assert_line --index 0 --partial "network: ready"
	assert_line --index 1 --partial "service ndt7: started"
	# shellcheck disable=SC2016 # expanded in the VM
	vm_shell 'for p in $(pidof ndt7-server); do grep -E "^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/$p/status; done'
	echo "$output"
	assert_line --regexp '^Uid:[[:space:]]+101[[:space:]]+101[[:space:]]+101[[:space:]]+101$'
	assert_line --regexp '^Gid:[[:space:]]+101[[:space:]]+101[[:space:]]+101[[:space:]]+101$'
	assert_line --regexp '^CapEff:[[:space:]]+0000000000000400$'
	assert_line --regexp '^CapPrm:[[:space:]]+0000000000000400$'
	assert_line --regexp '^CapAmb:[[:space:]]+0000000000000400$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
}

@test "BBR: tcp_bbr is loaded and unprivileged processes may choose it; the default stays cubic" {
	vm_shell 'cat /proc/sys/net/ipv4/tcp_allowed_congestion_control /proc/sys/net/ipv4/tcp_congestion_control; grep -c "^tcp_bbr " /proc/modules'
	echo "$output"
	assert_line --index 0 --regexp '(^| )bbr( |$)'
	assert_line --index 1 "cubic"
	assert_line --index 2 "1"
}

@test "the self-signed certificate covers the hostname and both addresses, and is the one in /var/lib/ndt7" {
	run openssl x509 -in "$CERT" -noout -ext subjectAltName
	assert_success
	assert_output --partial "DNS:node1.example.org"
	assert_output --partial "IP Address:192.0.2.10"
	assert_output --partial "IP Address:2001:DB8:0:0:0:0:0:10"
	vm_shell 'ls -ln /var/lib/ndt7; cat /var/lib/ndt7/cert.pem'
	assert_line --regexp '^-rw-------[[:space:]]+1[[:space:]]+101[[:space:]]+101[[:space:]].* key\.pem$'
	sed -n '/-BEGIN/,/-END/p' <<< "$output" > "$BATS_TEST_TMPDIR/inside.pem"
	cmp "$CERT" "$BATS_TEST_TMPDIR/inside.pem"
}

@test "wss: without trusting that certificate the client fails, and the checks notice" {
	run ndt7_client 192.0.2.10:443 wss download
	assert_success
	run assert_test_ok download BytesAcked
	assert_failure
}

@test "ws on 192.0.2.10:80: M-Lab's client completes download and upload with TCPInfo and BBRInfo" {
	run ndt7_client 192.0.2.10:80 ws both
	assert_success
	assert_both_ok 192.0.2.1
}

@test "wss on 192.0.2.10:443: M-Lab's client completes download and upload over TLS" {
	NODE_EXTRA_CA_CERTS=$CERT run ndt7_client 192.0.2.10:443 wss both
	assert_success
	assert_both_ok 192.0.2.1
}

@test "ws on [2001:db8::10]:80: M-Lab's client completes download and upload" {
	run ndt7_client '[2001:db8::10]:80' ws both
	assert_success
	assert_both_ok '[2001:db8::1]'
}

@test "wss on [2001:db8::10]:443: M-Lab's client completes download and upload over TLS" {
	NODE_EXTRA_CA_CERTS=$CERT run ndt7_client '[2001:db8::10]:443' wss both
	assert_success
	assert_both_ok '[2001:db8::1]'
}

@test "every test above left a result record in /var/spool/ndt7, written by ndt7" {
	[ "$(wc -l < "$BATS_FILE_TMPDIR/uuids")" = 8 ]
	vm_shell 'ls -lnR /var/spool/ndt7'
	echo "$output"
	assert_line --regexp '^total '
	while read -r uuid; do
		assert_line --regexp "^-[rw-]{9}[[:space:]]+1[[:space:]]+101[[:space:]]+101[[:space:]]+[1-9][0-9]+ .* ndt7-(download|upload)-[^ ]+\.$uuid\.json$"
	done < "$BATS_FILE_TMPDIR/uuids"
	run grep -c "ndt7: \(download\|upload\) .* from .*, BBR" "$CONSOLE"
	[ "$output" -ge 8 ]
}

# Last: this one ends the VM.
@test "the ACPI power button stops the ndt7 server with the other services, and the VM powers off" {
	vm_monitor system_powerdown
	for _ in $(seq 60); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
	run kill -0 "$QEMU_PID"
	assert_failure
	run tr '\n' ' ' < "$CONSOLE"
	assert_output --regexp "stopping services.*service ndt7: (exited|killed)"
	assert_output --partial "shutdown: power off now"
}
