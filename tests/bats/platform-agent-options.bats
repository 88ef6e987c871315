#!/usr/bin/env bats
# The platform agent (services/platform) beyond platform-agent.bats: its
# options and settings (the API key only from a private file), the health
# score with a closed port, a heartbeat that Locate drops. Against the
# stand-in (tests/platform/standin.py) on 127.0.0.1 with a throwaway CA
# and API key.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../lib/build'
load '../platform/lib'
load '../ndt7/assert'

setup_file() {
	/usr/bin/python3 -c 'import cryptography' 2> /dev/null ||
		skip "python3-cryptography missing: run scripts/deps"
	export D=$BATS_FILE_TMPDIR
	make_targets platform
	export AGENT=$OUTDIR/build/$BOARD/platform-agent
	make_ca "$D/ca" localhost 127.0.0.1
	make_keys "$D/keys" org1
	key_of "$D/keys" 1 > "$D/apikey"
	chmod 600 "$D/apikey"
	standin_start --ws-idle 30
}

teardown_file() {
	standin_stop
}

setup() {
	ctl clear > /dev/null
	ctl unrevoke?line=1 > /dev/null
	ctl up > /dev/null
	: > "$D/record.jsonl"
	rm -rf "$D/state" "$D/run"
	APID=
}

teardown() {
	if [ -n "$APID" ]; then
		kill -TERM "$APID" 2> /dev/null || true
		wait "$APID" 2> /dev/null || true
	fi
}

# agent [OPTIONS...]: the agent in the background (APID), log in $D/agent.log.
agent() {
	"$AGENT" --api-key-file "$D/apikey" --ca-file "$D/ca/ca.pem" \
		--token-url "$SURL/v0/token/autojoin" \
		--register-url "$SURL/autojoin/v0/node/register/token" \
		--heartbeat-url "wss://127.0.0.1:$SPORT/v2/platform/heartbeat-jwt" \
		--iata lga --uplink 10g --ipv4 192.0.2.7 --ipv6 2001:db8::7 --health-url off \
		--state-dir "$D/state" --run-dir "$D/run" --heartbeat-interval 1 \
		--acme-directory off "$@" > "$D/agent.log" 2>&1 &
	APID=$!
}

# stop_agent: SIGTERM, its exit status in $RC.
stop_agent() {
	kill -TERM "$APID"
	RC=0
	wait "$APID" || RC=$?
	APID=
}

connected_twice() { [ "$(grep -c '^platform: heartbeat connected' "$D/agent.log")" = 2 ]; }

# healths: the scores the stand-in received, one digit each.
healths() { rec '.kind == "ws-message" and .msg.Health' | jq -r .msg.Health.Score | tr -d '\n'; }

@test "health 0 when a registered port is closed" {
	read -r closed _ < <(free_ports)
	agent --port "$closed"
	wait_for 10 grep -q 'heartbeat connected' "$D/agent.log"
	sleep 1.5
	stop_agent
	run healths
	assert_output --regexp '^0+$'
	grep -q "^platform: health 0: port 127.0.0.1:$closed: Connection refused$" "$D/agent.log"
}

@test "a heartbeat Locate drops: one line, reconnects with the registration first" {
	agent --port "$CPORT"
	wait_for 10 grep -q 'heartbeat connected' "$D/agent.log"
	sleep 1
	ctl close-ws > /dev/null
	wait_for 10 grep -q '^platform: heartbeat to 127.0.0.1 lost: ' "$D/agent.log"
	wait_for 15 connected_twice
	[ "$(nrec '.endpoint == "heartbeat"')" = 2 ]
	[ "$(nrec '.kind == "ws-message" and .msg.Registration')" = 2 ]
	[ "$(nrec '.endpoint == "register-token"')" = 1 ]
}

@test "SIGTERM while token-exchange stalls: the agent exits 0 at once, not after its 30 s timeout" {
	ctl "fault?endpoint=token&kind=stall&seconds=60" > /dev/null
	agent --port "$CPORT"
	sleep 2	# the token request is the agent's first act; it now waits for 30 s
	kill -0 "$APID"
	start=$SECONDS
	stop_agent
	[ "$RC" = 0 ]
	[ $((SECONDS - start)) -le 2 ]
}

@test "settings: platform.* from a private file and the command line; the key only from a private file" {
	printf 'platform.iata=sea\nplatform.uplink=1g\nplatform.api-key=%s\n' "$(cat "$D/apikey")" \
		> "$D/platform.conf"
	chmod 600 "$D/platform.conf"
	echo "quiet fathom.platform.probability=0.5 fathom.platform.port=8443" > "$D/cmdline"
	"$AGENT" --settings platform --settings-cmdline "$D/cmdline" --settings-file "$D/platform.conf" \
		--ca-file "$D/ca/ca.pem" --token-url "$SURL/v0/token/autojoin" \
		--register-url "$SURL/autojoin/v0/node/register/token" --ipv4 192.0.2.7 \
		--state-dir "$D/state" --run-dir "$D/run" --acme-directory off --once \
		> "$D/agent.log" 2>&1
	q=$(rec '.endpoint == "register-token"' | jq -c .query)
	echo "$q" | jq -e '.iata == ["sea"] and .uplink == ["1g"] and .probability == ["0.5"]
		and .ports == ["8443"]'
	[ "$(cat "$D/run/hostname")" != "" ]
	# On the kernel command line (everyone reads /proc/cmdline) the key is refused.
	echo "fathom.platform.api-key=nope" > "$D/cmdline"
	run "$AGENT" --settings platform --settings-cmdline "$D/cmdline" --settings-file /dev/null \
		--iata lga --uplink 1g --state-dir "$D/state" --run-dir "$D/run" --once
	assert_failure 2
	assert_line --partial 'kernel command line: fathom.platform.api-key: the API key is a secret'
	assert_line --partial 'no API key'
	refute_output --partial nope
	# World-readable: the key there is refused, so there is no key at all.
	chmod 644 "$D/platform.conf"
	run "$AGENT" --settings platform --settings-cmdline /dev/null --settings-file "$D/platform.conf" \
		--state-dir "$D/state" --run-dir "$D/run" --once
	assert_failure 2
	assert_output --partial 'no API key'
	refute_output --partial "$(cat "$D/apikey")"
}

@test "bad options: exit 2 with the reason" {
	run "$AGENT" --uplink 10g
	assert_failure 2
	assert_output --partial '--iata and --uplink are required'
	run "$AGENT" --iata lga --uplink fast
	assert_failure 2
	assert_output --partial '--uplink "fast"'
	run "$AGENT" --iata lga --uplink 1g --api-key x
	assert_failure 2
	assert_output --partial 'only as platform.api-key in a settings file'
	chmod 644 "$D/apikey"
	run "$AGENT" --iata lga --uplink 1g --api-key-file "$D/apikey"
	chmod 600 "$D/apikey"
	assert_failure 2
	assert_output --partial 'readable by everyone'
}

# In an image nobody configured, init runs the agent with no key: it must
# wait quietly, since a service exiting in a loop stops init feeding the
# watchdog. A refused setting there waits too; outside init (no --settings,
# or --once) it is exit 2 as above.
@test "run by init without an API key: one line, then it waits for SIGTERM and exits 0" {
	: > "$D/empty"
	"$AGENT" --settings platform --settings-cmdline "$D/empty" --settings-file "$D/empty" \
		--state-dir "$D/state" --run-dir "$D/run" > "$D/agent.log" 2>&1 &
	APID=$!
	sleep 2
	kill -0 "$APID"
	stop_agent
	[ "$RC" = 0 ]
	cat "$D/agent.log"
	[ "$(cat "$D/agent.log")" = \
		"platform: no API key configured; not joining (see docs/operators-guide.md)" ]
	# A key file that is world-readable: said once, then the same wait.
	chmod 644 "$D/apikey"
	"$AGENT" --settings platform --settings-cmdline "$D/empty" --settings-file "$D/empty" \
		--iata lga --uplink 1g --api-key-file "$D/apikey" \
		--state-dir "$D/state" --run-dir "$D/run" > "$D/agent.log" 2>&1 &
	APID=$!
	sleep 2
	chmod 600 "$D/apikey"
	kill -0 "$APID"
	stop_agent
	[ "$RC" = 0 ]
	[ "$(grep -c . "$D/agent.log")" -eq 1 ]
	grep -q 'readable by everyone' "$D/agent.log"
}
