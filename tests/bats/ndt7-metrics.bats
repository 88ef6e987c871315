#!/usr/bin/env bats
# The ndt7 server's supervisor (services/ndt7/supervise.c): /metrics checked
# by Prometheus's own parser (promtool) with values that move with the tests
# M-Lab's client runs, /health, the lame duck on SIGTERM, and the
# txcontroller over a veth pair into a network namespace made here
# (198.51.100.0/24, documentation addresses). Loopback and that namespace
# only; every process started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../ndt7/assert'
load '../ndt7/server'

# gone_within NAME TENTHS: the server exits within TENTHS tenths of a second.
gone_within() {
	local pid
	pid=$(cat "$D/$1.pid")
	for _ in $(seq "$2"); do
		kill -0 "$pid" 2> /dev/null || return 0
		sleep 0.1
	done
	echo "server $1 (pid $pid) still running" >&2
	return 1
}

setup_file() {
	ndt7_setup_file ndt7
	# INT: the workers exit at once (TERM is the lame duck some tests time).
	export STOP_SIGNAL=INT
	export CLIENT="$TOP/tests/ndt7/client.js" RAW="$TOP/tests/ndt7/raw.js"
	export PRELOAD="$TOP/tests/ndt7/ws-global.js"
	mkdir -p "$D/state"
	for _ in 1 2 3; do
		read -r WS HEALTH METRICS <<-EOF
		$(free_ports)
		EOF
		mkdir -p "$D/spool"
		start_server main --ws-port "$WS" --wss-port 0 --listen 127.0.0.1 --workers 2 \
			--state-dir "$D/state" --spool-dir "$D/spool" \
			--health-listen "127.0.0.1:$HEALTH" --metrics-listen "127.0.0.1:$METRICS" && break
		stop_server main
	done
	export WS HEALTH METRICS
	[ -e "$D/main.pid" ]
}

teardown_file() {
	stop_server main
}

teardown() {
	stop_server other
	if [ -n "${NS:-}" ]; then
		ip netns pids "$NS" 2> /dev/null | xargs -r kill -KILL 2> /dev/null || true
		ip link del "$VETH" 2> /dev/null || true
		ip netns del "$NS" 2> /dev/null || true
	fi
}

ndt7_client() {
	timeout 60 node -r "$PRELOAD" "$CLIENT" "$@"
}

# scrape [PORT]: the metrics page into $D/scrape (checked by promtool).
scrape() {
	curl -sf --max-time 5 "http://${SCRAPE_HOST:-127.0.0.1}:${1:-$METRICS}/metrics" > "$D/scrape" ||
		{ echo "scrape failed" >&2; return 1; }
	promtool check metrics < "$D/scrape" ||
		{ echo "promtool rejects:" >&2; cat "$D/scrape" >&2; return 1; }
}

# value SAMPLE: the value of the sample named exactly SAMPLE (with its
# labels) in the last scrape; "missing" if absent.
value() {
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "missing" }' "$D/scrape"
}

# status PORT TARGET [HOST]: the HTTP status of an upgrade request.
status() {
	timeout 10 node "$RAW" status "${3:-127.0.0.1}" "$1" "$2" | jq -r .status
}

# health PORT: the status code of GET /health.
health() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1/health"
}

@test "metrics: promtool accepts the page, and the counters move with one download and one upload" {
	local dl='{direction="download",status="result"}' ul='{direction="upload",status="result"}'
	local r='{protocol="ndt7+ws",direction="download",result="okay-with-rate"}'
	local ru='{protocol="ndt7+ws",direction="upload",result="okay-with-rate"}'
	local h='{protocol="ndt7+ws",direction="download",monitoring="false"}'
	local bbr0 bbr1 c0 u0 r0 ru0 h0 we0
	scrape
	c0=$(value "ndt7_client_connections_total$dl")
	u0=$(value "ndt7_client_connections_total$ul")
	r0=$(value "ndt7_client_test_results_total$r")
	ru0=$(value "ndt7_client_test_results_total$ru")
	h0=$(value "ndt_test_rate_mbps_count$h")
	we0=$(value 'ndt7_client_connections_total{direction="download",status="websocket-error"}')
	bbr0=$(($(value 'ndt7_measurer_bbr_enabled_total{status="true"}') +
		$(value 'ndt7_measurer_bbr_enabled_total{status="false"}')))
	assert_equal "$(value lame_duck_experiment)" 0

	run ndt7_client "127.0.0.1:$WS" ws both
	assert_success
	ndt7_test_ok download BytesAcked
	ndt7_test_ok upload BytesReceived
	# A request without the subprotocol: a WebSocket error.
	run timeout 10 node "$RAW" status 127.0.0.1 "$WS" /ndt/v7/download --no-protocol
	assert_output --partial '"status":400'

	scrape
	assert_equal "$(value "ndt7_client_connections_total$dl")" $((c0 + 1))
	assert_equal "$(value "ndt7_client_connections_total$ul")" $((u0 + 1))
	assert_equal "$(value "ndt7_client_test_results_total$r")" $((r0 + 1))
	assert_equal "$(value "ndt7_client_test_results_total$ru")" $((ru0 + 1))
	assert_equal "$(value "ndt_test_rate_mbps_count$h")" $((h0 + 1))
	assert_equal "$(value 'ndt7_client_connections_total{direction="download",status="websocket-error"}')" \
		$((we0 + 1))
	bbr1=$(($(value 'ndt7_measurer_bbr_enabled_total{status="true"}') +
		$(value 'ndt7_measurer_bbr_enabled_total{status="false"}')))
	[ "$bbr1" -ge $((bbr0 + 3)) ]
	# The download's rate is in a finite bucket or above; the sum is positive.
	awk -v k="ndt_test_rate_mbps_sum$h" '$1 == k && $2 > 0 { f = 1 } END { exit !f }' "$D/scrape"
	assert_equal "$(value 'ndt_test_rate_mbps_bucket{protocol="ndt7+ws",direction="download",monitoring="false",le="+Inf"}')" \
		"$(value "ndt_test_rate_mbps_count$h")"
	# Every connection is closed again; the txcontroller is off: nothing counted.
	assert_equal "$(value netx_current_open_conns)" 0
	assert_equal "$(value 'controller_access_txcontroller_requests_total{request="accepted",protocol="http"}')" 0
	grep -q '^# TYPE ndt_test_rate_mbps histogram$' "$D/scrape"
	grep -q '^# HELP ndt7_client_test_results_total ' "$D/scrape"
}

@test "health and metrics ports: 200 for their path, 404/405/431 otherwise, a silent client dropped after 2 s" {
	run health "$HEALTH"
	assert_output 200
	run curl -s --max-time 5 "http://127.0.0.1:$HEALTH/health"
	assert_output ok
	run curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$HEALTH/metrics"
	assert_output 404
	run curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$METRICS/health"
	assert_output 404
	run curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST "http://127.0.0.1:$HEALTH/health"
	assert_output 405
	run curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "X-Big: $(head -c 3000 /dev/zero | tr '\0' a)" \
		"http://127.0.0.1:$METRICS/metrics"
	assert_output 431
	# A client that sends nothing is closed by the server after 2 s.
	run timeout 10 python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.time()
s.settimeout(8)
print("eof" if s.recv(1) == b"" else "data", round(time.time() - t, 1))' "$HEALTH"
	assert_success
	assert_output --regexp '^eof (1\.[89]|2\.[0-9])$'
	# ...and the supervisor still answers.
	run health "$HEALTH"
	assert_output 200
}

@test "an idle server exits on one SIGTERM within a second; a wrong --health-listen is refused" {
	read -r p1 p2 _ <<-EOF
	$(free_ports)
	EOF
	start_server other --ws-port "$p1" --wss-port 0 --listen 127.0.0.1 --workers 2 \
		--state-dir "$D/state" --spool-dir "$D/spool" --health-listen "127.0.0.1:$p2"
	kill -TERM "$(cat "$D/other.pid")"
	gone_within other 10
	grep -q 'stopped (lame duck over: no test running)' "$D/other.log"
	run "$NDT7" --ws-port "$p1" --wss-port 0 --listen 127.0.0.1 --state-dir "$D/state" \
		--spool-dir "$D/spool" --health-listen 127.0.0.1
	assert_failure
	assert_output --partial '--health-listen "127.0.0.1": expected ADDR:PORT'
}

@test "lame duck: SIGTERM during a download: /health 500 and new tests 503 while it completes, its record written, then exit" {
	read -r p1 p2 p3 <<-EOF
	$(free_ports)
	EOF
	mkdir -p "$D/spool-ld"
	start_server other --ws-port "$p1" --wss-port 0 --listen 127.0.0.1 --workers 1 \
		--state-dir "$D/state" --spool-dir "$D/spool-ld" --health-listen "127.0.0.1:$p2" \
		--metrics-listen "127.0.0.1:$p3"
	# --workers 1 is a supervisor and one worker too.
	run ps -o pid= --ppid "$(cat "$D/other.pid")"
	assert_equal "${#lines[@]}" 1
	ndt7_client "127.0.0.1:$p1" ws download > "$D/ld-client" &
	client=$!
	sleep 2
	kill -TERM "$(cat "$D/other.pid")"
	sleep 0.3
	run health "$p2"
	assert_output 500
	scrape "$p3"
	assert_equal "$(value lame_duck_experiment)" 1
	assert_equal "$(value netx_current_open_conns)" 1
	run status "$p1" /ndt/v7/upload
	assert_output 503
	kill -0 "$(cat "$D/other.pid")"
	wait "$client"
	output=$(cat "$D/ld-client")
	ndt7_test_ok download BytesAcked
	gone_within other 20
	uuid=$(echo "$output" | jq -r .download.firstServer.ConnectionInfo.UUID)
	ls "$D/spool-ld"/ndt7/*/*/*/ndt7-download-*."$uuid".json
	grep -q 'refused: 503 the server is shutting down (lame duck)' "$D/other.log"
	grep -q 'stopped (lame duck over: no test running)' "$D/other.log"
}

@test "lame duck: a second SIGTERM exits at once, and the cut test still gets its record" {
	read -r p1 p2 _ <<-EOF
	$(free_ports)
	EOF
	mkdir -p "$D/spool-2t"
	start_server other --ws-port "$p1" --wss-port 0 --listen 127.0.0.1 --workers 2 \
		--state-dir "$D/state" --spool-dir "$D/spool-2t" --health-listen "127.0.0.1:$p2"
	ndt7_client "127.0.0.1:$p1" ws download > "$D/2t-client" &
	client=$!
	sleep 2
	kill -TERM "$(cat "$D/other.pid")"
	sleep 0.5
	kill -0 "$(cat "$D/other.pid")"
	kill -TERM "$(cat "$D/other.pid")"
	gone_within other 10
	wait "$client" || true
	grep -q 'stopped (second SIGTERM)' "$D/other.log"
	ls "$D/spool-2t"/ndt7/*/*/*/ndt7-download-*.json
}

@test "SIGINT during a test exits at once" {
	read -r p1 p2 _ <<-EOF
	$(free_ports)
	EOF
	mkdir -p "$D/spool-int"
	start_server other --ws-port "$p1" --wss-port 0 --listen 127.0.0.1 --workers 1 \
		--state-dir "$D/state" --spool-dir "$D/spool-int" --health-listen "127.0.0.1:$p2"
	ndt7_client "127.0.0.1:$p1" ws download > "$D/int-client" &
	client=$!
	sleep 2
	kill -INT "$(cat "$D/other.pid")"
	gone_within other 10
	wait "$client" || true
	grep -q 'stopped (SIGINT)' "$D/other.log"
	ls "$D/spool-int"/ndt7/*/*/*/ndt7-download-*.json
}

# A veth pair: $VETH in the root namespace (198.51.100.1), its peer in $NS
# (198.51.100.2), where the server runs and sends its downloads through the
# peer.
veth_setup() {
	NS=fathom-mtx-$$
	VETH=mtx$$a
	VETH=${VETH:0:15}
	PEER=${VETH%a}b
	ip netns add "$NS"
	ip link add "$VETH" type veth peer name "$PEER"
	ip link set "$PEER" netns "$NS"
	ip addr add 198.51.100.1/24 dev "$VETH"
	ip link set "$VETH" up
	ip -n "$NS" addr add 198.51.100.2/24 dev "$PEER"
	ip -n "$NS" link set "$PEER" up
	ip -n "$NS" link set lo up
}

@test "txcontroller: a device that does not exist is refused at start, by name" {
	read -r p1 _ <<-EOF
	$(free_ports)
	EOF
	run "$NDT7" --ws-port "$p1" --wss-port 0 --listen 127.0.0.1 --state-dir "$D/state" \
		--spool-dir "$D/spool" --health-listen off --txcontroller-device nosuchdev0 \
		--txcontroller-max-rate 1000000
	assert_failure
	assert_output --partial '--txcontroller-device nosuchdev0: cannot read /sys/class/net/nosuchdev0/statistics/tx_bytes'
}

@test "txcontroller: above --txcontroller-max-rate new downloads get 503, uploads do not; accepted again once the rate decays" {
	[ "$(id -u)" = 0 ] || skip "needs root (a network namespace and a veth pair)"
	veth_setup
	mkdir -p "$D/spool-tx"
	start_server other ip netns exec "$NS" "$NDT7" --ws-port 80 --wss-port 0 \
		--listen 198.51.100.2 --workers 2 --state-dir "$D/state" --spool-dir "$D/spool-tx" \
		--health-listen off --metrics-listen 198.51.100.2:9990 \
		--txcontroller-device "$PEER" --txcontroller-max-rate 20000000
	run status 80 /ndt/v7/download 198.51.100.2
	assert_output 101
	ndt7_client 198.51.100.2:80 ws download > "$D/tx-client" &
	client=$!
	# Once the client's download runs (Node may take seconds to start on a
	# loaded machine), the average passes the limit and new downloads are
	# refused; the client runs for 10 s, so this must happen within it.
	refused=0
	for _ in $(seq 40); do
		[ "$(status 80 /ndt/v7/download 198.51.100.2)" = 503 ] && { refused=1; break; }
		kill -0 "$client" 2> /dev/null || break
		sleep 0.5
	done
	[ "$refused" = 1 ]
	run status 80 /ndt/v7/upload 198.51.100.2
	assert_output 101
	wait "$client"
	output=$(cat "$D/tx-client")
	ndt7_test_ok download BytesAcked
	# The average decays by 5 % per 100 ms: well under 30 s to 20 Mbit/s.
	ok=0
	for _ in $(seq 60); do
		[ "$(status 80 /ndt/v7/download 198.51.100.2)" = 101 ] && { ok=1; break; }
		sleep 0.5
	done
	[ "$ok" = 1 ]
	SCRAPE_HOST=198.51.100.2 scrape 9990
	[ "$(value 'controller_access_txcontroller_requests_total{request="rejected",protocol="http"}')" -ge 1 ]
	[ "$(value 'controller_access_txcontroller_requests_total{request="accepted",protocol="http"}')" -ge 4 ]
	grep -q 'refused: 503 the server sends above its egress limit' "$D/other.log"
}

@test "records the spool's own bound removes unsent are counted: ndt7_spool_pruned_records_total" {
	read -r p1 p2 p3 <<-EOF
	$(free_ports)
	EOF
	mkdir -p "$D/spool-pruned"
	start_server other --ws-port "$p1" --wss-port 0 --listen 127.0.0.1 --workers 1 \
		--state-dir "$D/state" --spool-dir "$D/spool-pruned" --spool-max-bytes 12000 \
		--health-listen "127.0.0.1:$p2" --metrics-listen "127.0.0.1:$p3"
	scrape "$p3"
	assert_equal "$(value ndt7_spool_pruned_records_total)" 0
	for _ in 1 2 3; do
		run ndt7_client "127.0.0.1:$p1" ws download
		assert_success
	done
	scrape "$p3"
	# Three records of some KB each under a 12000-byte bound: the newest stays.
	[ "$(value ndt7_spool_pruned_records_total)" -ge 2 ]
	[ "$(find "$D/spool-pruned" -name 'ndt7-download-*' | wc -l)" -eq 1 ]
}
