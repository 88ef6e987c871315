#!/usr/bin/env bats
# /init as PID 1 of a fresh PID namespace on the build host (test mode:
# FATHOM_TEST_ROOT holds its /etc/fathom/services; no mounts, modules or
# network). Checks reaping, restarts, process groups, shutdown, privileges.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root for PID namespaces"
	OUTDIR=${FATHOM_OUT:-$BATS_TEST_DIRNAME/../../out}
	INIT=$OUTDIR/build/${FATHOM_BOARD:-qemu-x86_64}/init
	ROOT=$BATS_TEST_TMPDIR/root
	LOG=$BATS_TEST_TMPDIR/init.log
	mkdir -p "$ROOT/etc/fathom/services"
	UNSHARE_PID= INIT_PID=
}

teardown() {
	[ -n "$INIT_PID" ] && kill -KILL "$INIT_PID" 2>/dev/null
	[ -n "$UNSHARE_PID" ] && wait "$UNSHARE_PID" 2>/dev/null
	[ -n "${BATS_TEST_COMPLETED:-}" ] || { echo "--- init log:"; cat "$LOG"; }
	true
}

# service NAME LINES...: write a service file.
service() {
	local name=$1
	shift
	printf '%s\n' "$@" > "$ROOT/etc/fathom/services/$name"
}

start_init() {
	unshare --pid --fork --mount-proc env FATHOM_TEST_ROOT="$ROOT" "$INIT" \
		</dev/null >"$LOG" 2>&1 3>&- &
	UNSHARE_PID=$!
	for _ in $(seq 50); do
		INIT_PID=$(ps -o pid= --ppid "$UNSHARE_PID" | tr -d ' ')
		[ -n "$INIT_PID" ] && grep -q "starting (pid 1)" "$LOG" && return 0
		sleep 0.1
	done
	echo "init did not start"
	return 1
}

@test "init reaps orphaned grandchildren (no zombies)" {
	cat > "$ROOT/orphans.sh" <<-'EOS'
	for i in 1 2 3 4 5; do (sleep 0.1 &); done
	exec sleep 1000
	EOS
	service orphans "exec=/bin/sh $ROOT/orphans.sh"
	start_init
	sleep 2
	run ps -o stat=,args= --ppid "$INIT_PID"
	refute_output --regexp "^Z"
	assert_output --partial "sleep 1000"
}

@test "a crashing service is restarted with growing delays (1s, 2s, 4s)" {
	cat > "$ROOT/crash.sh" <<-EOS
	date +%s.%N >> $ROOT/starts
	exit 3
	EOS
	service crash "exec=/bin/sh $ROOT/crash.sh"
	start_init
	sleep 8.5
	run awk 'NR > 1 { printf "%.1f\n", $1 - prev } { prev = $1 }' "$ROOT/starts"
	echo "gaps: $output"
	gaps=($output)
	[ "${#gaps[@]}" -ge 3 ]
	awk -v a="${gaps[0]}" -v b="${gaps[1]}" -v c="${gaps[2]}" \
		'BEGIN { exit !(a >= 0.9 && a <= 1.6 && b >= 1.9 && b <= 2.6 && c >= 3.9 && c <= 4.6) }'
	run cat "$LOG"
	assert_output --partial "service crash: exited with status 3; restarting in 1s"
	assert_output --partial "service crash: exited with status 3; restarting in 2s"
}

@test "a restart kills the whole process group first: no grandchild lingers" {
	cat > "$ROOT/leaky.sh" <<-'EOS'
	sleep 1000 &
	sleep 0.3
	exit 1
	EOS
	service leaky "exec=/bin/sh $ROOT/leaky.sh"
	start_init
	for _ in $(seq 30); do
		run ps -o args= --ppid "$INIT_PID"
		refute_output --partial "sleep 1000"
		sleep 0.1
	done
	grep -q "service leaky: exited with status 1; restarting" "$LOG"
}

@test "SIGUSR2 (busybox poweroff) stops every service, then powers off" {
	cat > "$ROOT/polite.sh" <<-EOS
	trap 'echo stopped > $ROOT/stopped; exit 0' TERM
	while :; do sleep 0.1; done
	EOS
	service polite "exec=/bin/sh $ROOT/polite.sh"
	start_init
	sleep 0.5
	kill -USR2 "$INIT_PID"
	for _ in $(seq 100); do kill -0 "$UNSHARE_PID" 2>/dev/null || break; sleep 0.1; done
	run wait "$UNSHARE_PID"
	# reboot(POWER_OFF) in a PID namespace ends its init with SIGINT.
	assert_equal "$status" 130
	UNSHARE_PID= INIT_PID=
	[ "$(cat "$ROOT/stopped")" = stopped ]
	run cat "$LOG"
	assert_output --partial "shutdown: stopping services (power off follows)"
	assert_output --partial "shutdown: power off now"
}

@test "SIGTERM (busybox reboot) reboots after stopping a service that ignores TERM" {
	cat > "$ROOT/stubborn.sh" <<-'EOS'
	trap '' TERM
	while :; do sleep 0.1; done
	EOS
	service stubborn "exec=/bin/sh $ROOT/stubborn.sh"
	start_init
	sleep 0.5
	kill -TERM "$INIT_PID"
	for _ in $(seq 150); do kill -0 "$UNSHARE_PID" 2>/dev/null || break; sleep 0.1; done
	run wait "$UNSHARE_PID"
	assert_equal "$status" 129	# SIGHUP: the namespace's "reboot"
	UNSHARE_PID= INIT_PID=
	run cat "$LOG"
	assert_output --partial "shutdown: processes left after 5s; killing them"
	assert_output --partial "shutdown: reboot now"
}

@test "a service runs as its user with no capabilities and no_new_privs; its output is logged with its name" {
	service ids "exec=/bin/grep -E ^(Uid|Gid|CapEff|CapPrm|NoNewPrivs): /proc/self/status" \
		"user=nobody" "restart=never"
	start_init
	for _ in $(seq 30); do grep -q "ids: NoNewPrivs" "$LOG" && break; sleep 0.1; done
	run cat "$LOG"
	assert_output --regexp "fathom: ids: Uid:	65534	65534	65534	65534"
	assert_output --regexp "fathom: ids: Gid:	65534	65534	65534	65534"
	assert_output --partial "fathom: ids: CapEff:	0000000000000000"
	assert_output --partial "fathom: ids: CapPrm:	0000000000000000"
	assert_output --partial "fathom: ids: NoNewPrivs:	1"
	assert_output --partial "not restarted (restart policy)"
}

@test "init keeps running when a service file is broken, and names the line" {
	service broken "exec=/bin/true" "colour=blue"
	service good "exec=/bin/echo hello" "restart=never"
	start_init
	sleep 1
	kill -0 "$INIT_PID"
	run cat "$LOG"
	assert_output --partial "service broken: line 2: unknown key"
	assert_output --partial "fathom: good: hello"
}
