#!/usr/bin/env bats
# The platform agent (services/platform, platform-agent) against the
# stand-in for M-Lab's APIs (tests/platform/standin.py) on 127.0.0.1, with a
# real ndt7-server for its health check: what it registers, the files it
# writes, its heartbeat, and how it behaves when the platform is down, the
# key is revoked or autojoin fails. Every process is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../lib/build'
load '../ndt7/assert'
load '../platform/lib'

setup_file() {
	export D=$BATS_FILE_TMPDIR
	[ -f "$TOP/services/platform/main.c" ] && [ -f "$TOP/lib/net/https.c" ] ||
		skip "the platform agent (services/platform, lib/net) is not on this branch yet"
	/usr/bin/python3 -c 'import websockets, cryptography' 2> /dev/null ||
		skip "python3-websockets or python3-cryptography missing: run scripts/deps"
	make_targets ndt7 platform
	export NDT7=$OUTDIR/build/$BOARD/ndt7-server AGENT=$OUTDIR/build/$BOARD/platform-agent
	make_ca "$D/ca" localhost 127.0.0.1
	mkdir -p "$D/ndt7-state" "$D/spool"
	# Free ports can be taken by another test before ndt7 binds them: 3 tries.
	for _ in 1 2 3; do
		read -r WS HEALTH _ < <(free_ports)
		"$NDT7" --ws-port "$WS" --wss-port 0 --listen 127.0.0.1 --workers 2 \
			--state-dir "$D/ndt7-state" --spool-dir "$D/spool" \
			--health-listen "127.0.0.1:$HEALTH" > "$D/ndt7.log" 2>&1 3>&- &
		echo $! > "$D/ndt7.pid"
		wait_for 5 grep -q ' ready: ' "$D/ndt7.log" && break
		kill -KILL "$(cat "$D/ndt7.pid")" 2> /dev/null || true
		rm -f "$D/ndt7.pid"
	done
	[ -f "$D/ndt7.pid" ] || { cat "$D/ndt7.log" >&2; return 1; }
	export WS HEALTH
}

teardown_file() {
	local pid
	pid=$(cat "$D/ndt7.pid" 2> /dev/null) || return 0
	kill -TERM "$pid" 2> /dev/null || true
	sleep 0.5
	kill -KILL "$pid" 2> /dev/null || true
}

# Each test: a fresh stand-in (and record), keys and agent directories.
setup() {
	rm -rf "$D/state" "$D/run" "$D/record.jsonl" "$D/agent.log"
	make_keys "$D/keys" org1
	key_of "$D/keys" 1 > "$D/api-key"
	chmod 600 "$D/api-key"
	H=ndt-lga64496-7f000001.org1.sandbox.measurement-lab.org
}

teardown() {
	agent_stop
	standin_stop
}

agent_start() {
	"$AGENT" --api-key-file "$D/api-key" --ca-file "$D/ca/ca.pem" \
		--token-url "$SURL/v0/token/autojoin" \
		--register-url "$SURL/autojoin/v0/node/register/token" \
		--heartbeat-url "wss://127.0.0.1:$SPORT/v2/platform/heartbeat-jwt" \
		--iata lga --uplink 10g --probability 0.5 --ipv4 127.0.0.1 --ipv6 ::1 \
		--port "$WS" --health-url "http://127.0.0.1:$HEALTH/health" \
		--state-dir "$D/state" --run-dir "$D/run" --heartbeat-interval 1 \
		--acme-directory off "$@" > "$D/agent.log" 2>&1 3>&- &
	echo $! > "$D/agent.pid"
}

agent_stop() { pid_stop "$D/agent.pid"; }

mode() { stat -c %a "$1"; }
scores() { rec '.kind == "ws-message" and .msg.Health' | jq -r .msg.Health.Score; }
has_score() { scores | grep -qx "$1"; }
is_registered() { grep -q "registered as $H" "$D/agent.log"; }

@test "agent: exchanges the key, registers with the right parameters, writes its files with the right modes" {
	standin_start
	agent_start
	wait_for 20 is_registered || { cat "$D/agent.log" >&2; false; }
	wait_for 10 has_score 1 || { cat "$D/agent.log" >&2; false; }
	[ "$(nrec '.endpoint == "token" and .method == "POST" and .api_key == "ok"')" -eq 1 ]
	[ "$(nrec '.endpoint == "register-token" or .endpoint == "register"')" -eq 1 ]
	rec '.endpoint == "register-token"' | jq -e --arg p "$WS" '.status == 200 and
		.method == "POST" and .jwt == "ok" and .query.service == ["ndt"] and
		(.query.iata | map(ascii_downcase)) == ["lga"] and .query.ipv4 == ["127.0.0.1"] and
		.query.type == ["physical"] and .query.uplink == ["10g"] and
		.query.probability == ["0.5"] and .query.ports == [$p]'
	[ "$(scount keys_ok)" -eq 1 ]
	[ "$(cat "$D/run/hostname")" = "$H" ]
	[ "$(mode "$D/run")" = 755 ] && [ "$(mode "$D/run/hostname")" = 644 ]
	[ "$(mode "$D/run/status")" = 644 ] && [ "$(wc -l < "$D/run/status")" -eq 1 ]
	# Group platform (the uploader) reads the key and the registration.
	[ "$(mode "$D/state")" = 750 ]
	[ "$(mode "$D/state/registration.json")" = 640 ]
	[ "$(mode "$D/state/service-account.json")" = 640 ]
	jq -e '.type == "service_account" and (.private_key | startswith("-----BEGIN"))' \
		"$D/state/service-account.json" > /dev/null
	# The key: never in the log, the record, a world-readable file or ps.
	! grep -q -F -f "$D/api-key" "$D/agent.log" "$D/record.jsonl" "$D/run/status"
	! ps -o args= -p "$(cat "$D/agent.pid")" | grep -q -F -f "$D/api-key"
}

@test "agent: heartbeat sends its Registration, then Health Score 1 (ndt7 healthy); Score 0 on SIGTERM" {
	standin_start
	agent_start
	wait_for 25 has_score 1 || { cat "$D/agent.log" >&2; false; }
	rec '.kind == "ws-message"' | head -1 | jq -e --arg h "$H" \
		'.msg.Registration.Hostname == $h and .msg.Registration.Experiment == "ndt" and
		 .msg.Registration.Metro == "lga" and .msg.Registration.Probability == 0.5'
	rec '.kind == "ws-message"' | sed -n 2p | jq -e '.msg.Health.Score == 1'
	[ "$(nrec '.kind == "ws-message" and .note')" -eq 0 ]	# no Health before Registration
	assert_equal "$(scores | sort -u)" 1
	grep -q 'heartbeat connected to 127.0.0.1' "$D/agent.log"
	# The status line, rewritten on every beat (1 s here).
	run cat "$D/run/status"
	assert_output --regexp "^registered as $H; heartbeat ok \(last sent [0-9] s ago\); self-signed\$"
	t=$(stat -c %Y.%y "$D/run/status")
	wait_for 5 bash -c "[ \"\$(stat -c %Y.%y '$D/run/status')\" != '$t' ]"
	pid=$(cat "$D/agent.pid")
	kill -TERM "$pid"
	wait_for 5 bash -c "! kill -0 $pid 2> /dev/null"
	[ "$(scores | tail -1)" = 0 ]
	grep -q stopped "$D/run/status"
}

@test "agent: the status line: the heartbeat's last error, and the certificate --tls-dir holds for the name" {
	make_ca "$D/hostcert" "$H"
	mkdir -p "$D/tls"
	cp "$D/hostcert/server.pem" "$D/tls/cert.pem"
	until=$(openssl x509 -noout -enddate -in "$D/tls/cert.pem" | cut -d= -f2)
	until=$(date -u -d "$until" +%F)
	standin_start
	agent_start --tls-dir "$D/tls"
	wait_for 25 has_score 1 || { cat "$D/agent.log" >&2; false; }
	wait_for 5 grep -q 'heartbeat ok' "$D/run/status"
	run cat "$D/run/status"
	assert_output --regexp "^registered as $H; heartbeat ok \(last sent [0-9] s ago\); certificate Fathom test CA until $until\$"
	# Locate refusing from now on: the line says why the heartbeat is down.
	ctl 'fault?endpoint=heartbeat&kind=503&count=0'
	ctl close-ws
	wait_for 15 grep -q 'heartbeat: to 127.0.0.1 ' "$D/run/status" || { cat "$D/run/status" "$D/agent.log" >&2; false; }
	run cat "$D/run/status"
	assert_output --regexp "^registered as $H; heartbeat: to 127\.0\.0\.1 (lost|failed): .+; certificate Fathom test CA until $until\$"
	[ "$(wc -l < "$D/run/status")" -eq 1 ]
}

@test "agent: the platform down at start; it joins when the platform returns" {
	standin_start
	ctl down
	agent_start
	sleep 4
	[ "$(nrec 'true')" -eq 0 ]
	! grep -q 'registered as' "$D/agent.log"
	kill -0 "$(cat "$D/agent.pid")"
	grep -q '^not registered: token-exchange unreachable: .*; retrying; self-signed$' "$D/run/status"
	ctl up
	wait_for 60 is_registered || { cat "$D/agent.log" >&2; false; }
	wait_for 10 has_score 1
	# One line for the failure however many retries, none with the key.
	[ "$(grep -c 'token' "$D/agent.log")" -le 2 ]
	! grep -q -F -f "$D/api-key" "$D/agent.log"
}

@test "agent: a revoked key: one clear log line, no retry storm (requests counted over 20 s)" {
	standin_start
	ctl 'revoke?line=1'
	agent_start
	sleep 20
	kill -0 "$(cat "$D/agent.pid")"	# still running, waiting
	n=$(scount requests.token)
	echo "token requests in 20 s: $n" >&2
	[ "$n" -ge 1 ] && [ "$n" -le 2 ]
	[ "$(nrec '.api_key == "revoked"')" -eq "$n" ]
	[ "$(grep -c 'API key refused by the token service (401, ' "$D/agent.log")" -eq 1 ]
	grep -q 'put a valid platform.api-key on the boot medium' "$D/agent.log"
	[ "$(wc -l < "$D/agent.log")" -le 3 ]
	run cat "$D/run/status"
	assert_output --regexp '^not registered: API key refused by the token service \(401, https://127\.0\.0\.1:[0-9]+/v0/token/autojoin\): .*next check .* or when the key file changes; self-signed$'
	! grep -q -F -f "$D/api-key" "$D/agent.log"
}

@test "agent: autojoin answering 500: retries with backoff (few requests in 20 s), one log line, then registers" {
	standin_start
	ctl 'fault?endpoint=register-token&kind=500&count=0'
	agent_start
	sleep 20
	n=$(scount 'requests["register-token"]')
	echo "register requests in 20 s: $n" >&2
	[ "$n" -ge 2 ] && [ "$n" -le 5 ]
	# Growing gaps: the last gap is longer than the first.
	rec '.endpoint == "register-token"' | jq .t > "$D/times"
	awk 'NR > 1 { g[NR] = $1 - p } { p = $1 } END { exit !(NR < 3 || g[NR] > g[2]) }' "$D/times"
	[ "$(grep -c 'register failed' "$D/agent.log")" -eq 1 ]
	! grep -q 'registered as' "$D/agent.log"
	ctl clear
	wait_for 90 is_registered || { cat "$D/agent.log" >&2; false; }
}

@test "agent: heartbeats keep a short-idle Locate connected; a dropped connection is reconnected with its Registration again" {
	standin_start --ws-idle 3
	agent_start
	wait_for 25 has_score 1 || { cat "$D/agent.log" >&2; false; }
	sleep 8	# 1 s heartbeats against 3 s of allowed silence
	[ "$(nrec '.kind == "ws-close"')" -eq 0 ]
	[ "$(nrec '.kind == "ws-message" and .msg.Health')" -ge 6 ]
	ctl close-ws
	wait_for 40 bash -c "[ \$(jq -c 'select(.kind == \"ws-message\" and .msg.Registration)' '$D/record.jsonl' | wc -l) -ge 2 ]" ||
		{ cat "$D/agent.log" >&2; false; }
	rec '.kind == "ws-message" and .msg.Registration' | tail -1 | jq -e --arg h "$H" '.msg.Registration.Hostname == $h'
	[ "$(grep -c 'heartbeat to .* lost' "$D/agent.log")" -eq 1 ]
	[ "$(grep -c 'heartbeat connected' "$D/agent.log")" -eq 2 ]
}

@test "agent: Health Score 0 while a registered port does not answer, with one log line saying which" {
	read -r closed _ < <(free_ports)
	standin_start
	agent_start --port "$closed"
	wait_for 25 has_score 0 || { cat "$D/agent.log" >&2; false; }
	sleep 3
	assert_equal "$(scores | sort -u)" 0
	rec '.endpoint == "register-token"' | jq -e --arg a "$WS" --arg b "$closed" '.query.ports == [$a, $b]'
	[ "$(grep -c "health 0: .*$closed" "$D/agent.log")" -eq 1 ]
}

# since N: the record's lines after its first N (what came after a moment).
since() { tail -n +"$(($1 + 1))" "$D/record.jsonl" | jq -c "select($2)" | wc -l; }

@test "agent: re-registration goes over the open heartbeat: a new Registration message, no reconnect" {
	standin_start
	agent_start --register-interval 10
	wait_for 25 has_score 1 || { cat "$D/agent.log" >&2; false; }
	# 10 s +- 0.8 s: two re-registrations within 25 s.
	wait_for 30 bash -c "[ \$(jq -c 'select(.kind == \"ws-message\" and .msg.Registration)' '$D/record.jsonl' | wc -l) -ge 3 ]" ||
		{ cat "$D/agent.log" >&2; false; }
	[ "$(scount ws_open)" -eq 1 ]
	[ "$(nrec '.kind == "ws-close"')" -eq 0 ]
	[ "$(nrec '.endpoint == "register-token" and .status == 200')" -ge 3 ]
	# Each Registration message follows its registration (the record's order).
	jq -r 'select(.endpoint == "register-token" or (.kind == "ws-message" and .msg.Registration)) |
		if .endpoint then "R" else "M" end' "$D/record.jsonl" | tr -d '\n' > "$D/order"
	grep -Eq '^(RM)+R?$' "$D/order" || { cat "$D/order" >&2; false; }
	rec '.kind == "ws-message" and .msg.Registration' | jq -e --arg h "$H" '.msg.Registration.Hostname == $h' > /dev/null
	# Health goes on between them; the log has no line per re-registration.
	[ "$(scores | sort -u)" = 1 ]
	[ "$(grep -c 'registered as' "$D/agent.log")" -eq 1 ]
	[ "$(grep -c 'heartbeat connected' "$D/agent.log")" -eq 1 ]
}

@test "agent: key revoked while running, seen at re-registration: one fresh token exchange, one clear line, score 0, heartbeat closed, no storm" {
	standin_start
	agent_start --register-interval 10
	wait_for 25 has_score 1 || { cat "$D/agent.log" >&2; false; }
	n0=$(nrec 'true')
	t0=$(scount requests.token)
	ctl 'revoke?line=1'
	wait_for 20 grep -q 'API key refused by the token service (401' "$D/agent.log" ||
		{ cat "$D/agent.log" >&2; false; }
	sleep 12	# a re-registration interval more: nothing may be sent
	kill -0 "$(cat "$D/agent.pid")"
	[ "$(grep -c 'API key refused' "$D/agent.log")" -eq 1 ]
	! grep -q 'registration refused' "$D/agent.log"
	# The refused registration, then exactly one token exchange.
	[ "$(since "$n0" '.endpoint == "register-token" and .status == 401')" -eq 1 ]
	[ "$(since "$n0" '.endpoint == "register-token"')" -eq 1 ]
	[ "$(($(scount requests.token) - t0))" -eq 1 ]
	[ "$(since "$n0" '.endpoint == "token" and .api_key == "revoked"')" -eq 1 ]
	# Locate heard score 0 last, then the close; no reconnect.
	[ "$(scores | tail -1)" = 0 ]
	[ "$(since "$n0" '.kind == "ws-close"')" -eq 1 ]
	[ "$(scount ws_open)" -eq 1 ]
	[ "$(since "$n0" '.endpoint == "heartbeat"')" -eq 0 ]
	run cat "$D/run/status"
	assert_output --regexp "^registered as $H \(last re-registration: API key refused by the token service \(401, .*\); heartbeat: closed \(score 0 sent\): registration refused; self-signed\$"
	! grep -q -F -f "$D/api-key" "$D/agent.log"
}

@test "agent: key revoked, Locate refuses the token on reconnect: one token exchange, one line; a new key in the file is picked up" {
	make_keys "$D/keys" org1 org2
	key_of "$D/keys" 1 > "$D/api-key"
	standin_start
	agent_start
	wait_for 25 has_score 1 || { cat "$D/agent.log" >&2; false; }
	n0=$(nrec 'true')
	t0=$(scount requests.token)
	ctl 'revoke?line=1'
	ctl close-ws
	wait_for 30 grep -q 'API key refused by the token service (401' "$D/agent.log" ||
		{ cat "$D/agent.log" >&2; false; }
	sleep 8
	kill -0 "$(cat "$D/agent.pid")"
	[ "$(grep -c 'API key refused' "$D/agent.log")" -eq 1 ]
	[ "$(since "$n0" '.endpoint == "heartbeat" and .status == 401')" -eq 1 ]
	[ "$(since "$n0" '.endpoint == "heartbeat"')" -eq 1 ]
	[ "$(($(scount requests.token) - t0))" -eq 1 ]
	# The operator writes org2's key into the file: picked up within seconds.
	key_of "$D/keys" 2 > "$D/api-key.new"
	chmod 600 "$D/api-key.new"
	mv "$D/api-key.new" "$D/api-key"
	H2=${H/.org1./.org2.}
	wait_for 15 grep -q "api-key changed: trying its key" "$D/agent.log" || { cat "$D/agent.log" >&2; false; }
	wait_for 20 grep -q "registered as $H2" "$D/agent.log" || { cat "$D/agent.log" >&2; false; }
	wait_for 15 bash -c "jq -c 'select(.kind == \"ws-message\")' '$D/record.jsonl' | tail -1 | jq -e '.msg.Health.Score == 1' > /dev/null"
	rec '.kind == "ws-message" and .msg.Registration' | tail -1 | jq -e --arg h "$H2" '.msg.Registration.Hostname == $h'
	! grep -q -F -f "$D/api-key" "$D/agent.log"
}

# cert_for DIR DAYS: a self-signed certificate for $H valid DAYS days in DIR/cert.pem.
cert_for() {
	mkdir -p "$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/key.pem" \
		-out "$1/cert.pem" -days "$2" -subj "/CN=Fathom reuse test" -addext "subjectAltName=DNS:$H" \
		2> /dev/null
}

@test "agent: ACME rate limited (429 rateLimited, Retry-After 7200): one line, self-signed kept, no new order for 2 h" {
	T=$BATS_TEST_TMPDIR
	standin_start
	mkdir -p "$T/acme" "$T/tls"
	t0=$(date +%s)
	agent_start --acme-directory "$SURL/acme/directory" --acme-challenge-dir "$T/acme" \
		--tls-dir "$T/tls" --register-interval 10
	wait_for 25 grep -q 'rate limited by the ACME server' "$D/agent.log" || { cat "$D/agent.log" >&2; false; }
	t1=$(date +%s)
	wait_for 25 has_score 1 || { cat "$D/agent.log" >&2; false; }
	# Two re-registrations more: ACME is not asked again.
	wait_for 30 bash -c "[ \$(jq -c 'select(.endpoint == \"register-token\")' '$D/record.jsonl' | wc -l) -ge 3 ]" ||
		{ cat "$D/agent.log" >&2; false; }
	[ "$(grep -c 'rate limited' "$D/agent.log")" -eq 1 ]
	[ "$(nrec '.endpoint == "acme-account" or .endpoint == "acme-order"')" -eq 1 ]
	[ "$(nrec '.endpoint == "acme-directory"')" -eq 1 ]
	grep -q "certificate for $H not issued: .*urn:ietf:params:acme:error:rateLimited.*ndt7 keeps its self-signed one" "$D/agent.log"
	# "no new order before" the refusal + 7200 s: between the agent's start
	# and the line's appearance, plus 7200 s, to the minute (the wait for the
	# re-registrations above may take minutes on a loaded machine).
	at=$(sed -n 's/.*no new order before \([0-9-]* [0-9:]*\) UTC$/\1/p' "$D/agent.log" | head -1)
	[ -n "$at" ] || { grep 'no new order' "$D/agent.log" >&2; false; }
	at=$(date -u -d "$at" +%s)
	[ "$at" -ge $((t0 + 7200 - 60)) ] && [ "$at" -le $((t1 + 7200)) ] ||
		{ echo "no new order before $at, expected $((t0 + 7200))..$((t1 + 7200))" >&2; false; }
	[ ! -e "$T/tls/cert.pem" ]
	grep -q '; self-signed$' "$D/run/status"
}

@test "agent: a rate limit without Retry-After backs off hours (6 h)" {
	T=$BATS_TEST_TMPDIR
	standin_start --acme-retry-after ''
	mkdir -p "$T/acme" "$T/tls"
	agent_start --acme-directory "$SURL/acme/directory" --acme-challenge-dir "$T/acme" --tls-dir "$T/tls"
	wait_for 25 grep -q 'rate limited by the ACME server' "$D/agent.log" || { cat "$D/agent.log" >&2; false; }
	a=$(date -u -d '+6 hours' '+%Y-%m-%d %H:%M'); b=$(date -u -d '+6 hours 1 min' '+%Y-%m-%d %H:%M')
	grep -Eq "no new order before ($a|$b) UTC\$" "$D/agent.log" || { grep 'no new order' "$D/agent.log" >&2; false; }
}

@test "agent: a certificate for the name valid for more than 30 days is reused (no ACME request); one within 30 days is renewed" {
	T=$BATS_TEST_TMPDIR
	standin_start
	cert_for "$T/tls" 90
	mkdir -p "$T/acme"
	agent_start --acme-directory "$SURL/acme/directory" --acme-challenge-dir "$T/acme" --tls-dir "$T/tls"
	wait_for 25 has_score 1 || { cat "$D/agent.log" >&2; false; }
	sleep 2
	[ "$(nrec '.endpoint | startswith("acme")')" -eq 0 ]
	until=$(date -u -d "$(openssl x509 -noout -enddate -in "$T/tls/cert.pem" | cut -d= -f2)" +%F)
	grep -q "; certificate Fathom reuse test until $until\$" "$D/run/status"
	! grep -q 'certificate for' "$D/agent.log"
	agent_stop
	# 20 days left: renewal is due, ACME is asked (and refuses here).
	cert_for "$T/tls" 20
	agent_start --acme-directory "$SURL/acme/directory" --acme-challenge-dir "$T/acme" --tls-dir "$T/tls"
	wait_for 25 grep -q 'rate limited by the ACME server' "$D/agent.log" || { cat "$D/agent.log" >&2; false; }
	[ "$(nrec '.endpoint == "acme-directory"')" -eq 1 ]
	# The old certificate stays in place meanwhile (ndt7 keeps serving it).
	openssl x509 -noout -checkend $((19 * 86400)) -in "$T/tls/cert.pem"
}
