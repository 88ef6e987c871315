#!/usr/bin/env bats
# The platform agent when M-Lab's platform is away: the stand-in
# (tests/platform/standin.py, in the test namespace on 192.0.2.1) refuses
# connections while the VM boots. The machine measures all the same (ndt7
# without a token, no verify key being configured; iperf3), the agent joins
# once the platform is back, and a key revoked later gets one console line
# and no retry storm. The status line (fathom-status in the rescue shell)
# says each time where it stands. One VM for the file.

load lib
load '../platform/lib'
load platform

CONSOLE_PORT=4559

# Run by vm_boot once the namespace exists: the stand-in, down (refusing),
# and the settings archive naming it (as tests/qemu/platform.bats does).
standin_down_and_settings() {
	STANDIN_NETNS=$NS STANDIN_ADDR=192.0.2.1 standin_start || return 1
	STANDIN_NETNS=$NS ctl down > /dev/null || return 1
	platform_secrets_initrd "platform.heartbeat-interval=2" "platform.acme-directory=off" "platform.register-interval=10"
}

setup_file() {
	platform_setup_file || return 1
	export VM_CONSOLE_PORT=$CONSOLE_PORT VM_BEFORE_BOOT=standin_down_and_settings
	vm_boot platform-outage console=ttyS0,115200 fathom.shell \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1
	platform_booted
}

teardown_file() {
	standin_stop
	vm_destroy
}

console() { tr -d '\r' < "$CONSOLE"; }
# The platform agent's pid in the VM, from /proc (no pidof needed).
AGENT_PID='for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = platform-agent ] && echo ${p#/proc/}; done'

@test "the platform down at boot: the agent says so once, and the machine still measures (ndt7, iperf3)" {
	wait_until 120 grep -q "platform: token-exchange unreachable: .*; retrying" "$CONSOLE"
	# ndt7 without a token (no verify key configured): the upgrade succeeds.
	[ "$(in_ns timeout 30 node "$RAW" status 192.0.2.10 80 /ndt/v7/download | jq -r .status)" = 101 ]
	iperf3_measures 192.0.2.10
	vm_shell fathom-status
	echo "$output"
	assert_line --regexp '^platform: not registered: token-exchange unreachable: .*; retrying; self-signed$'
	[ "$(console | grep -c 'platform: token-exchange unreachable')" -eq 1 ]
	[ "$(nrec 'true')" -eq 0 ]
}

@test "the platform back: the agent joins (registration received, console line), the status says heartbeat ok" {
	ctl up
	# The agent's backoff grows while the platform is away (5 s doubling).
	wait_until 300 grep -q "platform: registered as $H" "$CONSOLE"
	[ "$(nrec '.endpoint == "register-token" and .status == 200 and .jwt == "ok"')" -ge 1 ]
	wait_until 60 grep -q "platform: heartbeat connected to 192.0.2.1" "$CONSOLE"
	sleep 3
	vm_shell fathom-status
	echo "$output"
	assert_line --regexp "^platform: registered as $H; heartbeat ok \\(last sent [0-9]+ s ago\\); self-signed\$"
}

# Re-registration every 10 s here (platform.register-interval=10): the
# revocation is seen at the next one, on the open heartbeat.
@test "a key revoked while running: one fresh token exchange, one console line, score 0 and the heartbeat closed, no retry storm" {
	wait_until 60 grep -q "platform: heartbeat connected to 192.0.2.1" "$CONSOLE"
	wait_until 30 bash -c "[ \$(jq -c 'select(.kind == \"ws-message\" and .msg.Health.Score == 1)' '$D/record.jsonl' | wc -l) -ge 1 ]"
	n0=$(wc -l < "$D/record.jsonl")
	t0=$(scount requests.token)
	ctl 'revoke?line=1'
	wait_until 60 grep -q "platform: API key refused by the token service (401" "$CONSOLE"
	sleep 30
	after() { tail -n +"$((n0 + 1))" "$D/record.jsonl" | jq -c "select($1)" | wc -l; }
	n=$(( $(scount requests.token) - t0 ))
	echo "token requests in 30 s after the refusal: $n"
	[ "$n" -eq 1 ]
	[ "$(after '.endpoint == "register-token"')" -eq 1 ]
	[ "$(after '.endpoint == "heartbeat"')" -eq 0 ]
	[ "$(after '.kind == "ws-close"')" -eq 1 ]
	[ "$(rec '.kind == "ws-message" and .msg.Health' | tail -1 | jq -r .msg.Health.Score)" = 0 ]
	[ "$(console | grep -c 'API key refused')" -eq 1 ]
	console | grep -q 'put a valid platform.api-key on the boot medium'
	vm_shell fathom-status
	echo "$output"
	assert_line --regexp "^platform: registered as $H \(last re-registration: API key refused by the token service \(401, .*\); heartbeat: closed \(score 0 sent\): registration refused; self-signed\$"
	# The agent waits (no exit, so no restart loop): one pid, still there.
	vm_shell "$AGENT_PID"
	[ "${#lines[@]}" -eq 1 ] && [[ ${lines[0]} =~ ^[0-9]+$ ]]
	run console
	refute_output --partial "$(key_of "$D/keys" 1)"
}
