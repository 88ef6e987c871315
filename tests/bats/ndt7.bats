#!/usr/bin/env bats
# The ndt7 server (services/ndt7) on loopback, proven with M-Lab's own JS
# client (npm @m-lab/ndt7, pinned by tests/ndt7/package-lock.json) and with
# raw clients for what a well-behaved client never does. Loopback only;
# every process started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../ndt7/assert'
load '../ndt7/server'

setup_file() {
	ndt7_setup_file ndt7
	export CLIENT="$TOP/tests/ndt7/client.js" RAW="$TOP/tests/ndt7/raw.js"
	export PRELOAD="$TOP/tests/ndt7/ws-global.js"
	mkdir -p "$D/spool" "$D/state" "$D/spool2"
	for _ in 1 2 3; do
		read -r WS WSS WS2 <<-EOF
		$(free_ports)
		EOF
		start_server main --ws-port "$WS" --wss-port "$WSS" --listen 127.0.0.1 --listen ::1 \
			--state-dir "$D/state" --spool-dir "$D/spool" --workers 2 \
			--max-pending-per-addr 200 --max-tests-per-addr 200 \
			--label deployment=bats && break
		stop_server main
	done
	export WS WSS WS2
	[ -e "$D/main.pid" ]
}

teardown_file() {
	stop_server main
	stop_server small
	abuse_teardown
}

# ndt7_client HOSTPORT ws|wss download|upload|both: M-Lab's client.
ndt7_client() {
	timeout 60 node -r "$PRELOAD" "$CLIENT" "$@"
}

# Checks on the client's output ($output) for one test (tests/ndt7/assert.bash),
# and that the server saw the client's address and port.
assert_test_ok() {
	ndt7_test_ok "$1" "$2" '$r.firstServer.ConnectionInfo.Client | test(":[0-9]+$")'
}

# The spool record of the test with the client's UUID, checked against the
# data format.
assert_record() {
	t=$1 key=$2
	uuid=$(echo "$output" | jq -r --arg t "$t" '.[$t].firstServer.ConnectionInfo.UUID')
	f=$(find "$D/spool/ndt7" -type f -name "ndt7-$t-*.$uuid.json")
	[ -n "$f" ] || { echo "no record of $uuid" >&2; return 1; }
	jq -e --arg k "$key" '.[$k] as $x | .ClientIP != "" and .ServerPort > 0 and
		($x.ServerMeasurements | length) >= 5 and
		($x.ServerMeasurements[-1].TCPInfo.BytesAcked >= 0) and
		($x.ClientMetadata | map(select(.Name == "client_library_name"))[0].Value) == "ndt7-js" and
		($x.ClientMetadata | map(select(.Name == "client_name"))[0].Value) == "fathom-bats" and
		$x.ServerMetadata == [{"Name": "deployment", "Value": "bats"}] and
		($x.StartTime | test("^20[0-9-]+T[0-9:.]+Z$"))' "$f" > /dev/null ||
		{ echo "record $f:" >&2; head -c 2000 "$f" >&2; return 1; }
}

@test "ws on 127.0.0.1: M-Lab's client completes download and upload with TCPInfo" {
	run ndt7_client "127.0.0.1:$WS" ws both
	assert_success
	assert_test_ok download BytesAcked
	assert_test_ok upload BytesReceived
	assert_record download Download
	assert_record upload Upload
}

@test "wss on [::1]: M-Lab's client completes download and upload with the self-signed cert" {
	openssl x509 -in "$D/state/cert.pem" -noout -ext subjectAltName | grep -q 'IP Address:0:0:0:0:0:0:0:1'
	NODE_EXTRA_CA_CERTS=$D/state/cert.pem run ndt7_client "[::1]:$WSS" wss both
	assert_success
	assert_test_ok download BytesAcked
	assert_test_ok upload BytesReceived
	assert_record download Download
	echo "$output" | jq -e '.download.firstServer.ConnectionInfo.Server | startswith("[::1]:")'
}

@test "wss: without trusting the certificate the client fails (and the checks notice)" {
	run timeout 30 node -r "$PRELOAD" "$CLIENT" "127.0.0.1:$WSS" wss download
	assert_success
	run assert_test_ok download BytesAcked
	assert_failure
}

@test "refusals: no subprotocol 400, unknown path 404, query over 4096 bytes 400, and the upgrade echoes the subprotocol" {
	run timeout 10 node "$RAW" status 127.0.0.1 "$WS" /ndt/v7/download --no-protocol
	assert_output --partial '"status":400'
	run timeout 10 node "$RAW" status 127.0.0.1 "$WS" /ndt/v7/nothing
	assert_output --partial '"status":404'
	run timeout 10 node "$RAW" status ::1 "$WSS" /favicon.ico --tls "$D/state/cert.pem"
	assert_output --partial '"status":404'
	q=$(head -c 4094 /dev/zero | tr '\0' a)
	run timeout 10 node "$RAW" status 127.0.0.1 "$WS" "/ndt/v7/download?q=${q}a"
	assert_output --partial '"status":400'
	# 4096 bytes exactly is allowed, and the subprotocol is echoed.
	run timeout 10 node "$RAW" status 127.0.0.1 "$WS" "/ndt/v7/download?q=$q"
	assert_output --partial '"status":101'
	assert_output --partial '"protocol":true'
	run curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$WS/ndt/v7/download"
	assert_output 400
	grep -q 'refused: 400 Sec-WebSocket-Protocol must include net.measurementlab.ndt.v7' "$D/main.log"
}

@test "a binary message during download gets close 1008 and the connection ends" {
	run timeout 20 node "$RAW" binary 127.0.0.1 "$WS"
	assert_success
	echo "$output" | jq -e '.status == 101 and .closeCode == 1008 and .binaryBytes > 0 and
		.endedAt - .sentAt < 5' || { echo "$output" >&2; false; }
}

@test "bytes that are no WebSocket frames get close 1002; the server keeps serving" {
	run timeout 20 node "$RAW" garbage 127.0.0.1 "$WS"
	assert_success
	echo "$output" | jq -e '.status == 101 and .closeCode == 1002 and .endedAt - .sentAt < 5' ||
		{ echo "$output" >&2; false; }
	kill -0 "$(cat "$D/main.pid")"
	run timeout 10 node "$RAW" status 127.0.0.1 "$WS" /ndt/v7/upload
	assert_output --partial '"status":101'
}

@test "a client stalling in the handshake (HTTP or TLS) is dropped after 5 s" {
	timeout 20 node "$RAW" stall-request 127.0.0.1 "$WS" > "$D/stall-http" &
	p1=$!
	timeout 20 node "$RAW" stall-request ::1 "$WSS" --tls > "$D/stall-tls" &
	p2=$!
	wait "$p1" "$p2" || true
	for f in stall-http stall-tls; do
		jq -e '.closedAfter >= 4.5 and .closedAfter < 9' "$D/$f" || { cat "$D/$f" >&2; false; }
	done
}

@test "a client that stops reading mid-test is dropped at the 15 s deadline" {
	rm -f "$D/stall-port"
	timeout 40 node "$RAW" stall-test 127.0.0.1 "$WS" 19 "$D/stall-port" > "$D/stall-test" &
	p=$!
	for _ in $(seq 50); do [ -s "$D/stall-port" ] && break; sleep 0.1; done
	port=$(cat "$D/stall-port")
	sleep 8
	# Mid-test the server still holds the connection...
	run ss -Htn state established "( sport = :$WS and dport = :$port )"
	assert_output --partial "127.0.0.1:$WS"
	sleep 8.5
	# ...and 16.5 s after the upgrade it has dropped it.
	run ss -Htn state established "( sport = :$WS and dport = :$port )"
	assert_output ''
	wait "$p" || true
	grep -q "from 127.0.0.1:$port: dropped at the 15 s deadline" "$D/main.log"
}

@test "100 concurrent downloads all complete with close 1000" {
	run timeout 60 node "$RAW" many 127.0.0.1 "$WS" 100
	assert_success
	echo "$output" | jq -e '.n == 100 and .ok == 100 and .last < 16' || { echo "$output" >&2; false; }
}

@test "the results spool stays under its bound: oldest records removed and logged" {
	start_server small --ws-port "$WS2" --wss-port 0 --listen 127.0.0.1 \
		--spool-dir "$D/spool2" --spool-max-bytes 12000 --workers 1
	run timeout 60 node "$RAW" quick 127.0.0.1 "$WS2" 12
	assert_success
	assert_output '{"codes":[101,101,101,101,101,101,101,101,101,101,101,101]}'
	files=$(find "$D/spool2" -type f)
	n=$(echo "$files" | wc -l)
	total=$(cat $files | wc -c)
	biggest=$(wc -c $files | sort -n | tail -n 2 | head -n 1 | awk '{print $1}')
	[ "$n" -ge 2 ] && [ "$n" -lt 12 ]
	[ "$total" -le $((12000 + biggest)) ]
	# The tests in the order they ended (the log), by UUID.
	uuids=$(sed -n 's/.* download \([^ ]*\) from [^ ]*: .* after [0-9.]* s, .*/\1/p' "$D/small.log")
	[ "$(echo "$uuids" | wc -l)" = 12 ]
	echo "$files" | grep -q "\.$(echo "$uuids" | tail -n 1)\.json$"	# the newest is kept
	! echo "$files" | grep -q "\.$(echo "$uuids" | head -n 1)\.json$"	# the oldest is gone
	! echo "$files" | grep -q '\.tmp$'
	grep -q "spool $D/spool2: over 12000 bytes: removed oldest record ndt7/[0-9/]*/ndt7-download-.*\.$(echo "$uuids" | head -n 1).json" "$D/small.log"
	for f in $files; do
		jq -e '.Download.ClientMetadata == [{"Name": "quick", "Value": "1"}]' "$f" > /dev/null
	done
	stop_server small
}

@test "the server refuses a spool it cannot write and a port it cannot bind, saying what to do" {
	run "$NDT7" --ws-port "$WS2" --wss-port 0 --spool-dir /proc/ndt7-spool
	assert_failure
	assert_output --partial 'spool /proc/ndt7-spool: cannot create'
	assert_output --partial '--spool-dir'
	run "$NDT7" --ws-port "$WS" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool2"
	assert_failure
	assert_output --partial "listen 127.0.0.1 port $WS (ws): Address already in use"
	run "$NDT7" --ws-port 70000
	assert_failure
	assert_output --partial '--ws-port "70000": expected a number from 0 to 65535'
}

# --- Abuse (issue 12): floods, one address against the others, memory per
# socket, hostile frames and measurements, the TLS policy. Loopback only;
# the servers here are stopped by pid, the helpers (tests/ndt7/abuse.py)
# end by themselves or are killed by pid.

ABUSE="$BATS_TEST_DIRNAME/../ndt7/abuse.py"

abuse_teardown() {
	for s in flood limits mem rsa; do stop_server "$s"; done
	for f in "$D"/*.helper; do
		[ -e "$f" ] && kill "$(cat "$f")" 2> /dev/null
		rm -f "$f"
	done
	return 0
}

# wait_listening PORT: until something accepts on 127.0.0.1:PORT (5 s).
wait_listening() {
	for _ in $(seq 50); do
		[ -n "$(ss -Htln "sport = :$1")" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "abuse: with stderr a full pipe nobody reads, 3000 refused requests, then a test still succeeds" {
	read -r P _ <<< "$(free_ports)"
	mkfifo "$D/full.fifo"
	python3 "$ABUSE" full-fifo "$D/full.fifo" > "$D/full.out" &
	echo $! > "$D/fifo.helper"
	for _ in $(seq 50); do [ -s "$D/full.out" ] && break; sleep 0.1; done
	# Every write to this pipe would block: it is full and never read.
	"$NDT7" --ws-port "$P" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool-flood" \
		--workers 2 --verbose 2> "$D/full.fifo" > /dev/null &
	echo $! > "$D/flood.pid"
	wait_listening "$P"
	run timeout 60 python3 "$ABUSE" flood 127.0.0.1 "$P" 3000
	assert_success
	echo "$output" | jq -e '.codes."404" == 3000'
	run timeout 20 node "$RAW" quick 127.0.0.1 "$P" 2
	assert_success
	assert_output '{"codes":[101,101]}'
	kill -0 "$(cat "$D/flood.pid")"
	stop_server flood
	find "$D/spool-flood/ndt7" -name 'ndt7-download-*.json' | grep -q .
}

@test "abuse: log lines are rate-limited per kind, with a 'lines suppressed' summary when the burst ends" {
	read -r P _ <<< "$(free_ports)"
	start_server flood --ws-port "$P" --wss-port 0 --listen 127.0.0.1 \
		--spool-dir "$D/spool-flood" --workers 1
	run timeout 60 python3 "$ABUSE" flood 127.0.0.1 "$P" 600
	echo "$output" | jq -e '.codes."404" == 600'
	sleep 2
	n=$(grep -c 'refused: 404' "$D/flood.log")
	# The burst (20), then 5/s: the flood takes a second or two.
	[ "$n" -ge 20 ] && [ "$n" -le 40 ] || { echo "$n lines" >&2; false; }
	grep -E 'warning: [0-9]+ lines suppressed in [0-9.]+ s .*"request from %s refused' "$D/flood.log"
	stop_server flood
}

@test "abuse: idle sockets from 127.0.0.2 hold at most their share; 127.0.0.1 still gets its test" {
	read -r P _ <<< "$(free_ports)"
	# 2 workers x 50 connections: without a limit per address, 150 idle
	# sockets from 127.0.0.2 (reopened as the server closes them) take them all.
	start_server limits --ws-port "$P" --wss-port 0 --listen 127.0.0.1 \
		--spool-dir "$D/spool-limits" --workers 2 --max-conns 50 \
		--max-pending-per-addr 10 --max-tests-per-addr 3
	timeout 40 python3 "$ABUSE" idle 127.0.0.1 "$P" 150 14 --from 127.0.0.2 > "$D/idle.out" &
	echo $! > "$D/idle.helper"
	for _ in $(seq 50); do grep -q holding "$D/idle.out" && break; sleep 0.1; done
	run ndt7_client "127.0.0.1:$P" ws download
	assert_success
	ndt7_test_ok download BytesAcked '$r.firstServer.ConnectionInfo.Client | startswith("127.0.0.1:")'
	held=$(ss -Htn state established "( sport = :$P and dst 127.0.0.2 )" | wc -l)
	[ "$held" -le 10 ] || { echo "127.0.0.2 holds $held" >&2; false; }
	grep -q "refusing a connection from 127.0.0.2: 10 pending from that address" "$D/limits.log"
	wait "$(cat "$D/idle.helper")" || true
	rm -f "$D/idle.helper"
}

@test "abuse: tests over --max-tests-per-addr get 503 with Retry-After; other addresses do not count" {
	[ -e "$D/limits.pid" ] || skip "needs the server of the test above"
	port=$(sed -n 's|.*listening on ws://127.0.0.1:\([0-9]*\).*|\1|p' "$D/limits.log")
	run timeout 20 python3 "$ABUSE" tests 127.0.0.1 "$port" 5 --from 127.0.0.3
	assert_success
	echo "$output" | jq -e '.codes."101" == 3 and .codes."503" == 2 and .retry_after == ["15", "15"]'
	run timeout 20 python3 "$ABUSE" tests 127.0.0.1 "$port" 1 --from 127.0.0.4
	echo "$output" | jq -e '.codes."101" == 1'
	grep -q 'refused: 503 too many tests from this address at once (--max-tests-per-addr)' "$D/limits.log"
	stop_server limits
}

@test "abuse: 200 idle TLS sockets cost the server under 4 KiB each" {
	read -r P T _ <<< "$(free_ports)"
	start_server mem --ws-port "$P" --wss-port "$T" --listen 127.0.0.1 --state-dir "$D/state" \
		--spool-dir "$D/spool-mem" --workers 1 --max-pending-per-addr 0
	pid=$(cat "$D/mem.pid")
	timeout 20 python3 "$ABUSE" idle 127.0.0.1 "$T" 2 0.5 --tls-hello > /dev/null	# warm up
	r0=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	timeout 20 python3 "$ABUSE" idle 127.0.0.1 "$T" 200 4 > "$D/mem.out" &
	echo $! > "$D/mem.helper"
	for _ in $(seq 50); do grep -q holding "$D/mem.out" && break; sleep 0.1; done
	sleep 0.5
	r1=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	n=$(ss -Htn state established "( sport = :$T )" | wc -l)
	echo "RSS $r0 -> $r1 KiB for $n sockets: $(( (r1 - r0) * 1024 / 200 )) bytes each" >&2
	[ "$n" -eq 200 ]
	[ $(( (r1 - r0) * 1024 / 200 )) -lt 4096 ]
	wait "$(cat "$D/mem.helper")" || true
	rm -f "$D/mem.helper"
	stop_server mem
}

@test "abuse: a client measurement flood leaves a valid JSON record" {
	run timeout 30 python3 "$ABUSE" measurement-flood 127.0.0.1 "$WS" 300 16000
	assert_success
	echo "$output" | jq -e '.status == 101 and .sent == 300'
	port=$(echo "$output" | jq -r .port)
	sleep 0.5
	f=$(grep -rl --include='ndt7-upload-*.json' "\"ClientPort\":$port," "$D/spool/ndt7")
	jq -e '(.Upload.ClientMeasurements | length) > 50 and
		(.Upload.ClientMeasurements | length) < 300 and
		(.Upload.ClientMetadata == [{"Name": "flood", "Value": "1"}])' "$f"
	node -e 'JSON.parse(require("fs").readFileSync(process.argv[1]))' "$f"
}

@test "abuse: RFC 6455: invalid close codes get 1002 (never echoed), text that is not UTF-8 gets 1007" {
	for code in 03ed 03ee 03f7 03e7 03ec 0bb7 1388 00; do
		run timeout 10 python3 "$ABUSE" send 127.0.0.1 "$WS" 8 "$code"
		echo "$output" | jq -e '.status == 101 and .closeCode == 1002' ||
			{ echo "close $code: $output" >&2; false; }
	done
	for code in 03e8 0fa0; do
		run timeout 10 python3 "$ABUSE" send 127.0.0.1 "$WS" 8 "$code"
		echo "$output" | jq -e --argjson c "$((16#$code))" '.closeCode == $c'
	done
	run timeout 10 python3 "$ABUSE" send 127.0.0.1 "$WS" 1 7b22613a2280ff7d
	echo "$output" | jq -e '.status == 101 and .closeCode == 1007'
	run timeout 10 python3 "$ABUSE" send 127.0.0.1 "$WS" 8 03e8c0af
	echo "$output" | jq -e '.closeCode == 1007'
}

@test "abuse: the self-signed certificate is a leaf: CA:FALSE, digitalSignature only, serverAuth" {
	run openssl x509 -in "$D/state/cert.pem" -noout -text
	assert_success
	assert_output --regexp 'Basic Constraints: critical[[:space:]]+CA:FALSE'
	assert_output --regexp 'Key Usage: critical[[:space:]]+Digital Signature[[:space:]]'
	refute_output --partial 'Certificate Sign'
	assert_output --regexp 'Extended Key Usage:[[:space:]]+TLS Web Server Authentication'
}

@test "abuse: with an operator RSA certificate, static RSA and CBC are refused, ECDHE-RSA-AES-GCM accepted" {
	read -r T _ <<< "$(free_ports)"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/rsa.key" -out "$D/rsa.pem" \
		-days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2> /dev/null
	start_server rsa --ws-port 0 --wss-port "$T" --listen 127.0.0.1 --cert "$D/rsa.pem" \
		--key "$D/rsa.key" --spool-dir "$D/spool-rsa" --workers 1
	for c in AES128-SHA AES128-GCM-SHA256 ECDHE-RSA-AES128-SHA; do
		run timeout 10 openssl s_client -connect "127.0.0.1:$T" -tls1_2 -cipher "$c" < /dev/null
		assert_failure
	done
	for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-CHACHA20-POLY1305; do
		run timeout 10 openssl s_client -connect "127.0.0.1:$T" -tls1_2 -cipher "$c" < /dev/null
		assert_success
		assert_output --partial "Cipher is $c"
	done
	stop_server rsa
}

@test "abuse: the SAN list keeps 192.0.2.1 next to 192.0.2.10 (exact de-duplication)" {
	mkdir -p "$D/san"
	# In a network namespace of its own, with both addresses on lo.
	run timeout 30 unshare -n sh -c '
		ip link set lo up &&
		ip addr add 192.0.2.10/32 dev lo && ip addr add 192.0.2.1/32 dev lo &&
		"$0" --ws-port 0 --wss-port 8443 --listen 127.0.0.1 --state-dir "$1" \
			--spool-dir "$1/spool" --workers 1 & pid=$!
		for i in $(seq 50); do [ -s "$1/cert.pem" ] && break; sleep 0.1; done
		kill $pid' "$NDT7" "$D/san"
	assert_success
	run openssl x509 -in "$D/san/cert.pem" -noout -ext subjectAltName
	assert_output --partial 'IP Address:192.0.2.10'
	assert_output --regexp 'IP Address:192\.0\.2\.1(,|$)'
}
