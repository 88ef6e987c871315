#!/usr/bin/env bats
# /init as PID 1 of a fresh PID namespace on the build host (test mode:
# FATHOM_TEST_ROOT holds its /etc/fathom/services; no mounts, modules or
# network). Checks reaping, restarts, process groups, shutdown, privileges,
# descriptors, and netcfg's supervision (a stand-in under FATHOM_TEST_ROOT).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root for PID namespaces"
	OUTDIR=${FATHOM_OUT:-$BATS_TEST_DIRNAME/../../out}
	INIT=$OUTDIR/build/${FATHOM_BOARD:-qemu-x86_64}/init
	ROOT=$BATS_TEST_TMPDIR/root
	LOG=$BATS_TEST_TMPDIR/init.log
	mkdir -p "$ROOT/etc/fathom/services"
	UNSHARE_PID= INIT_PID= GROUP_FILE= CMDLINE= POWER= AS_UID= NPROC= DATA=
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

# GROUP_FILE, if set, is bind-mounted on /etc/group inside the namespace.
# DATA, if set, is a directory standing in for the data partition's /data.
# CMDLINE, if set, is the kernel command line init sees. POWER, if set, is
# watched as the power button. AS_UID, if set, is the uid init runs as,
# with at most NPROC processes of that uid (RLIMIT_NPROC: its forks fail).
start_init() {
	local wrap=() envs=(FATHOM_TEST_ROOT="$ROOT" FATHOM_TEST_CMDLINE="${CMDLINE:-}")

	[ -z "${GROUP_FILE:-}" ] ||
		wrap=(sh -c 'mount --bind "$0" /etc/group && exec "$@"' "$GROUP_FILE")
	[ -z "${AS_UID:-}" ] ||
		wrap+=(prlimit --nproc="$NPROC" setpriv --reuid="$AS_UID" --regid="$AS_UID" --clear-groups)
	[ -z "${POWER:-}" ] || envs+=(FATHOM_TEST_POWER="$POWER")
	[ -z "${DATA:-}" ] || envs+=(FATHOM_TEST_DATA="$DATA")
	unshare --pid --fork --mount-proc "${wrap[@]}" env "${envs[@]}" "$INIT" \
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

start_init_cmdline() {
	CMDLINE=$1 start_init
}

# wait_log TEXT: until the log has TEXT (at most 3 s).
wait_log() {
	for _ in $(seq 30); do grep -qF -- "$1" "$LOG" && return 0; sleep 0.1; done
	return 0
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
	# When the service exits, its orphan is init's child for an instant,
	# until init kills the group: every one seen must be gone soon after.
	seen=0
	for _ in $(seq 20); do
		orphans=$(ps -o pid=,args= --ppid "$INIT_PID" | awk '/sleep 1000/ { print $1 }')
		sleep 0.5
		for pid in $orphans; do
			seen=$((seen + 1))
			run kill -0 "$pid"
			assert_failure
		done
	done
	grep -q "service leaky: exited with status 1; restarting" "$LOG"
	echo "orphans seen and checked: $seen"
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
	service ids "exec=/bin/grep -E ^(Uid|Gid|CapInh|CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs): /proc/self/status" \
		"user=nobody" "restart=never"
	start_init
	for _ in $(seq 30); do grep -q "ids: NoNewPrivs" "$LOG" && break; sleep 0.1; done
	run cat "$LOG"
	assert_output --regexp "fathom: ids: Uid:	65534	65534	65534	65534"
	assert_output --regexp "fathom: ids: Gid:	65534	65534	65534	65534"
	assert_output --partial "fathom: ids: CapEff:	0000000000000000"
	assert_output --partial "fathom: ids: CapPrm:	0000000000000000"
	assert_output --partial "fathom: ids: CapInh:	0000000000000000"
	assert_output --partial "fathom: ids: CapBnd:	0000000000000000"
	assert_output --partial "fathom: ids: CapAmb:	0000000000000000"
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

@test "capabilities=CAP_NET_BIND_SERVICE: a user service has exactly that, ambient too, and can bind port 1023" {
	service caps "exec=/bin/grep -E ^(Uid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs): /proc/self/status" \
		"user=nobody" "capabilities=CAP_NET_BIND_SERVICE" "restart=never"
	service bind "exec=/usr/bin/python3 -c s=__import__('socket').socket();s.bind(('127.0.0.1',1023));print('bound:1023')" \
		"user=nobody" "capabilities=CAP_NET_BIND_SERVICE" "restart=never"
	service nobind "exec=/usr/bin/python3 -c s=__import__('socket').socket();s.bind(('127.0.0.1',1022))" \
		"user=nobody" "restart=never"
	start_init
	wait_log "caps: NoNewPrivs"
	wait_log "nobind: PermissionError"
	wait_log "service bind: exited"
	run cat "$LOG"
	assert_output --partial "fathom: caps: Uid:	65534	65534	65534	65534"
	assert_output --partial "fathom: caps: CapEff:	0000000000000400"
	assert_output --partial "fathom: caps: CapPrm:	0000000000000400"
	assert_output --partial "fathom: caps: CapInh:	0000000000000400"
	assert_output --partial "fathom: caps: CapAmb:	0000000000000400"
	assert_output --partial "fathom: caps: CapBnd:	0000000000000400"
	assert_output --partial "fathom: caps: NoNewPrivs:	1"
	assert_output --partial "fathom: bind: bound:1023"
	assert_output --partial "service bind: exited with status 0"
	assert_output --partial "fathom: nobind: PermissionError"
}

@test "capabilities= on a root service leaves only those, bounding set included" {
	service rootcaps "exec=/bin/grep -E ^(Uid|CapInh|CapEff|CapPrm|CapBnd|CapAmb): /proc/self/status" \
		"capabilities=CAP_NET_RAW,CAP_NET_ADMIN" "restart=never"
	start_init
	wait_log "rootcaps: CapAmb"
	run cat "$LOG"
	assert_output --partial "fathom: rootcaps: Uid:	0	0	0	0"
	assert_output --partial "fathom: rootcaps: CapInh:	0000000000000000"
	assert_output --partial "fathom: rootcaps: CapEff:	0000000000003000"
	assert_output --partial "fathom: rootcaps: CapPrm:	0000000000003000"
	assert_output --partial "fathom: rootcaps: CapBnd:	0000000000003000"
	assert_output --partial "fathom: rootcaps: CapAmb:	0000000000000000"
}

# caps PID: its five capability sets from /proc/PID/status, one line.
caps() {
	awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ { printf "%s %s ", $1, $2 }' "/proc/$1/status"
}

# child_of_init ARGS: the pid of init's child running exactly ARGS.
child_of_init() {
	for _ in $(seq 30); do
		pid=$(ps -o pid=,args= --ppid "$INIT_PID" | awk -v a="$1" '{ p = $1; $1 = "" } substr($0, 2) == a { print p }')
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.1
	done
	return 1
}

@test "capability sets in /proc/PID/status: a user's one, root without capabilities= has none, capabilities=all keeps init's" {
	service user1 "exec=/bin/sleep 1001" "user=nobody" "capabilities=CAP_NET_BIND_SERVICE"
	service rootnone "exec=/bin/sleep 1002"
	service rootall "exec=/bin/sleep 1003" "capabilities=all"
	start_init
	prm=$(awk '/^CapPrm:/ { print $2 }' "/proc/$INIT_PID/status")
	bnd=$(awk '/^CapBnd:/ { print $2 }' "/proc/$INIT_PID/status")
	pid=$(child_of_init "/bin/sleep 1001")
	run caps "$pid"
	assert_output "CapInh: 0000000000000400 CapPrm: 0000000000000400 CapEff: 0000000000000400 CapBnd: 0000000000000400 CapAmb: 0000000000000400 "
	pid=$(child_of_init "/bin/sleep 1002")
	run caps "$pid"
	assert_output "CapInh: 0000000000000000 CapPrm: 0000000000000000 CapEff: 0000000000000000 CapBnd: 0000000000000000 CapAmb: 0000000000000000 "
	grep -q "^Uid:	0	0	0	0" "/proc/$pid/status"
	pid=$(child_of_init "/bin/sleep 1003")
	run caps "$pid"
	assert_output "CapInh: 0000000000000000 CapPrm: $prm CapEff: $prm CapBnd: $bnd CapAmb: 0000000000000000 "
	grep -q "^Uid:	0	0	0	0" "/proc/$pid/status"
}

@test "env= adds to the environment; PATH can be overridden, HOME stays" {
	service envy "exec=/usr/bin/env" "env=FATHOM_TEST=42" "env=PATH=/opt/bin:/bin" \
		"env=SPACED=a b  c" "env=FATHOM_TEST=43" "restart=never"
	start_init
	wait_log "envy: SPACED"
	run grep "fathom: envy: " "$LOG"
	assert_line "fathom: envy: FATHOM_TEST=43"
	assert_line "fathom: envy: PATH=/opt/bin:/bin"
	assert_line "fathom: envy: HOME=/"
	assert_line "fathom: envy: SPACED=a b  c"
	assert_equal "${#lines[@]}" 4
}

@test "workdir= is the service's directory; a missing one fails with 126 and names it" {
	service wd "exec=/bin/pwd" "workdir=/tmp" "restart=never"
	service root "exec=/bin/pwd" "restart=never"
	service nowd "exec=/bin/pwd" "workdir=/nonexistent/fathom" "restart=never"
	start_init
	wait_log "wd: /tmp"
	wait_log "root: /"
	wait_log "service nowd: exited"
	run cat "$LOG"
	assert_output --partial "fathom: wd: /tmp"
	assert_output --partial "fathom: root: /"
	assert_output --partial "service nowd: workdir /nonexistent/fathom: No such file or directory"
	assert_output --partial "service nowd: exited with status 126"
}

@test "limit.*= sets soft and hard limits" {
	service lim "exec=/bin/grep -E ^Max.(open|core|processes|locked|stack) /proc/self/limits" \
		"user=nobody" "limit.nofile=123" "limit.core=0" "limit.nproc=4000" \
		"limit.memlock=65536" "limit.stack=infinity" "restart=never"
	start_init
	wait_log "lim: Max locked memory"
	run grep "fathom: lim: " "$LOG"
	assert_output --regexp "lim: Max open files +123 +123 +files"
	assert_output --regexp "lim: Max core file size +0 +0 +bytes"
	assert_output --regexp "lim: Max processes +4000 +4000 +processes"
	assert_output --regexp "lim: Max locked memory +65536 +65536 +bytes"
	assert_output --regexp "lim: Max stack size +unlimited +unlimited +bytes"
}

@test "group= sets the primary group; supplementary groups come from /etc/group" {
	GROUP_FILE=$BATS_TEST_TMPDIR/group
	{ cat /etc/group; echo "fathomtest:x:4242:daemon,nobody"; echo "fathomother:x:4243:daemon"; } \
		> "$GROUP_FILE"
	service grp "exec=/bin/grep -E ^(Gid|Groups): /proc/self/status" \
		"user=nobody" "group=nogroup" "restart=never"
	service grp2 "exec=/bin/grep -E ^(Gid|Groups): /proc/self/status" \
		"user=nobody" "group=fathomother" "restart=never"
	service nogrp "exec=/bin/true" "user=nobody" "group=fathom-no-such-group"
	start_init
	wait_log "grp: Groups"
	wait_log "grp2: Groups"
	wait_log "service nogrp: group"
	run cat "$LOG"
	assert_output --partial "fathom: grp: Gid:	65534	65534	65534	65534"
	assert_output --partial "fathom: grp: Groups:	4242 65534"
	assert_output --partial "fathom: grp2: Gid:	4243	4243	4243	4243"
	assert_output --partial "fathom: grp2: Groups:	4242 4243"
	assert_output --partial "service nogrp: group fathom-no-such-group: not in /etc/group"
	refute_output --partial "service nogrp: started"
}

# busybox_in_image: the busybox the image ships (from the build's cache).
busybox_in_image() {
	awk '$1 == "file" && $2 == "/bin/busybox" { print $3 }' \
		"$OUTDIR/build/${FATHOM_BOARD:-qemu-x86_64}/initramfs.manifest"
}

# wait_init_end STATUS: init must end within 15 s with that wait status.
wait_init_end() {
	for _ in $(seq 150); do kill -0 "$UNSHARE_PID" 2>/dev/null || break; sleep 0.1; done
	run wait "$UNSHARE_PID"
	UNSHARE_PID= INIT_PID=
	assert_equal "$status" "$1"
}

# In a PID namespace, reboot() ends the namespace's init with SIGINT for
# halt and power off (exit 130) and SIGHUP for reboot (129).
@test "busybox poweroff, reboot and halt, run by a service, work (130, 129, 130)" {
	bb=$(busybox_in_image)
	[ -x "$bb" ]
	for spec in "poweroff 130 power off" "reboot 129 reboot" "halt 130 halt"; do
		set -- $spec
		rm -f "$ROOT"/etc/fathom/services/*
		service "$1" "exec=$bb $1 -d 1" "restart=never"
		start_init
		wait_init_end "$2"
		shift 2
		grep -q "shutdown: $* now" "$LOG"
	done
}

@test "SIGINT (ctrl-alt-del) reboots; SIGUSR1 halts" {
	service idle "exec=/bin/sleep 1000"
	start_init
	kill -INT "$INIT_PID"
	wait_init_end 129
	grep -q "shutdown: stopping services (reboot follows)" "$LOG"
	start_init
	kill -USR1 "$INIT_PID"
	wait_init_end 130
	grep -q "shutdown: stopping services (halt follows)" "$LOG"
}

# fds_other FILE: the lines of `ls -l /proc/self/fd` in FILE for fds other
# than 0, 1, 2 and ls's own directory fd.
fds_other() {
	awk '$9 ~ /^[0-9]+$/ && $9 > 2 && $11 !~ /^\/proc\/[0-9]+\/fd$/' "$1"
}

@test "a service gets only fds 0, 1 and 2 (stdin, its output pipe)" {
	cat > "$ROOT/fds.sh" <<-EOS
	exec /bin/ls -l /proc/self/fd > $ROOT/fds.tmp
	EOS
	service fds "exec=/bin/sh $ROOT/fds.sh" "restart=never"
	start_init
	for _ in $(seq 30); do [ -s "$ROOT/fds.tmp" ] && break; sleep 0.1; done
	cat "$ROOT/fds.tmp"
	run fds_other "$ROOT/fds.tmp"
	assert_output ""
	grep -q " 0 -> /dev/null" "$ROOT/fds.tmp"
	grep -q " 2 -> pipe:" "$ROOT/fds.tmp"
}

# A stand-in for /usr/sbin/netcfg under FATHOM_TEST_ROOT: records its
# arguments, start times and fds, logs a line on stderr, says "ready".
fake_netcfg() {
	mkdir -p "$ROOT/usr/sbin"
	cat > "$ROOT/usr/sbin/netcfg" <<-EOS
	#!/bin/sh
	echo "\$*" > $ROOT/netcfg.args
	date +%s.%N >> $ROOT/netcfg.starts
	/bin/ls -l /proc/self/fd > $ROOT/netcfg.fds.tmp
	echo "<3>netcfg: test: an error line" >&2
	echo "netcfg: a line without a level" >&2
	echo ready
	exec sleep 1000
	EOS
	chmod +x "$ROOT/usr/sbin/netcfg"
}

@test "netcfg is its own program: fds 0-2 only, its ready starts after=network services, its stderr is logged" {
	fake_netcfg
	service early "exec=/bin/sleep 1000"
	service late "exec=/bin/sh -c :>$ROOT/late.started;exec\${IFS}sleep\${IFS}1000" "after=network"
	start_init
	wait_log "ready: services launched"
	run cat "$ROOT/netcfg.args"
	assert_output "run --appliance"
	cat "$ROOT/netcfg.fds.tmp"
	run fds_other "$ROOT/netcfg.fds.tmp"
	assert_output ""
	grep -q " 0 -> /dev/null" "$ROOT/netcfg.fds.tmp"
	grep -q " 2 -> pipe:" "$ROOT/netcfg.fds.tmp"
	run cat "$LOG"
	assert_output --partial "fathom: netcfg: test: an error line"
	assert_output --partial "fathom: netcfg: a line without a level"
	assert_output --partial "fathom: network: ready; starting the services that wait for it"
	assert_output --partial "service late: started"
	refute_output --partial "<3>"
	[ "$(grep -n 'service early: started' "$LOG" | cut -d: -f1)" -lt \
		"$(grep -n 'network: ready' "$LOG" | cut -d: -f1)" ]
}

@test "netcfg is restarted 1s after it dies, with fathom.media passed on" {
	fake_netcfg
	start_init_cmdline "fathom.media=0123456789abcdef fathom.media_timeout=7"
	wait_log "ready: services launched"
	run cat "$ROOT/netcfg.args"
	assert_output "run --appliance --media 0123456789abcdef --media-timeout 7"
	pid=$(ps -o pid=,args= --ppid "$INIT_PID" | awk '/sleep 1000/ { print $1 }')
	[ -n "$pid" ]
	kill -TERM "$pid"
	for _ in $(seq 30); do [ "$(wc -l < "$ROOT/netcfg.starts")" -ge 2 ] && break; sleep 0.1; done
	run awk 'NR == 2 { printf "%.1f\n", $1 - prev } { prev = $1 }' "$ROOT/netcfg.starts"
	echo "restarted after $output s"
	[ "$(echo "$output >= 0.9 && $output <= 1.6" | bc)" = 1 ]
	grep -q "network: netcfg killed by signal 15; restarting it in 1s" "$LOG"
}

@test "a services directory that cannot be read, or is missing, is logged and init goes on" {
	fake_netcfg
	rmdir "$ROOT/etc/fathom/services"
	echo "not a directory" > "$ROOT/etc/fathom/services"
	start_init
	wait_log "ready: services launched"
	kill -0 "$INIT_PID"
	run cat "$LOG"
	assert_output --partial "services: $ROOT/etc/fathom/services: Not a directory; no services"
	assert_output --partial "ready: services launched"
	kill -KILL "$INIT_PID"
	wait "$UNSHARE_PID" || true
	rm "$ROOT/etc/fathom/services"
	start_init
	wait_log "ready: services launched"
	kill -0 "$INIT_PID"
	run cat "$LOG"
	assert_output --partial "services: $ROOT/etc/fathom/services does not exist; no services"
}

# cpu_ticks PID: the CPU time PID has used (user + system), in clock ticks.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

@test "a power button that hangs up is logged and no longer watched: init does not spin" {
	POWER=$BATS_TEST_TMPDIR/power
	mkfifo "$POWER"
	start_init
	wait_log "power button: $POWER"
	# A writer comes and goes: from now on every poll says POLLHUP.
	exec 5>"$POWER"
	exec 5>&-
	wait_log "no longer watched"
	before=$(cpu_ticks "$INIT_PID")
	sleep 3
	after=$(cpu_ticks "$INIT_PID")
	echo "init used $((after - before)) ticks of CPU in 3 s"
	# A spinning loop uses a whole CPU, ~300 ticks; a sleeping one about none.
	[ $((after - before)) -le 15 ]
	kill -0 "$INIT_PID"
	run cat "$LOG"
	assert_output --partial "power button: $POWER: end of file; no longer watched"
	refute_output --partial "watch: fd"
}

@test "a failing fork (RLIMIT_NPROC) leaks no descriptors: services, netcfg and the shell are retried" {
	# init runs as an unused uid allowed one process (itself), so every
	# fork fails with EAGAIN and is retried every second.
	ROOT=$(mktemp -d /tmp/fathom-pidns.XXXXXX)
	chmod 755 "$ROOT"
	mkdir -p "$ROOT/etc/fathom/services"
	fake_netcfg
	service one "exec=/bin/sleep 1000"
	service two "exec=/bin/sleep 1000"
	AS_UID=59998 NPROC=1 CMDLINE=fathom.shell start_init
	wait_log "shell: fork"
	sleep 1.2
	before=$(ls "/proc/$INIT_PID/fd" | wc -l)
	sleep 3
	after=$(ls "/proc/$INIT_PID/fd" | wc -l)
	ls -l "/proc/$INIT_PID/fd"
	kill -0 "$INIT_PID"
	run cat "$LOG"
	rm -rf "$ROOT"
	echo "init's fds: $before, 3 s of failed forks later $after"
	[ "$after" -eq "$before" ]
	[ "$after" -le 8 ]
	[ "$(grep -c "service one: fork: Resource temporarily unavailable; trying again in 1s" "$LOG")" -ge 3 ]
	[ "$(grep -c "network: cannot start netcfg: Resource temporarily unavailable; retrying in 1s" "$LOG")" -ge 3 ]
	[ "$(grep -c "shell: fork: Resource temporarily unavailable; trying again in 1s" "$LOG")" -ge 3 ]
}

@test "a module still loading after 10s is logged and the boot goes on; the loader finishes later" {
	# Test mode "loads" a module by opening its file: a FIFO without a
	# writer is a probe that hangs.
	: > "$ROOT/first.ko"
	mkfifo "$ROOT/hang.ko"
	: > "$ROOT/last.ko"
	printf '%s\n' "$ROOT/first.ko" "$ROOT/hang.ko" "$ROOT/last.ko" > "$ROOT/etc/fathom/modules"
	service early "exec=/bin/sleep 1000"
	start_init
	for _ in $(seq 150); do grep -q "service early: started" "$LOG" && break; sleep 0.1; done
	run cat "$LOG"
	assert_output --partial "modules: $ROOT/hang.ko: still loading after 10s; going on"
	assert_output --partial "service early: started"
	refute_output --partial "modules: 3 loaded"
	[ "$(grep -n 'still loading' "$LOG" | cut -d: -f1)" -lt \
		"$(grep -n 'service early: started' "$LOG" | cut -d: -f1)" ]
	# The probe ends: the loader goes on with the next module.
	exec 5>"$ROOT/hang.ko"
	exec 5>&-
	wait_log "modules: the loader has finished"
	run cat "$LOG"
	assert_output --regexp "modules: $ROOT/hang.ko: loaded after 1[0-9]s"
	refute_output --partial "last.ko: loaded after"
	assert_output --partial "modules: 3 loaded, 0 failed"
	assert_output --partial "modules: the loader has finished"
	kill -0 "$INIT_PID"
}

# state_service: a service with two state= directories that writes into
# one and exits after a while (so that it is restarted).
state_service() {
	cat > "$ROOT/state.sh" <<-EOS
	echo run >> $ROOT/var/lib/t/runs
	sleep 0.5
	exit 1
	EOS
	service st "exec=/bin/sh $ROOT/state.sh" "group=nogroup" "state=/var/lib/t 0750" \
		"state=/var/spool/t"
}

@test "state= with a data partition: bind mounts of /data/state/DIR, owner and mode, none stacked by restarts" {
	DATA=$BATS_TEST_TMPDIR/data
	mkdir -p "$DATA"
	state_service
	start_init
	sleep 3.5
	run grep -c "state: $DATA (test) mounted on /data" "$LOG"
	assert_output 1
	# Written through the bind mount: on the host it is in DATA, and the
	# directory under ROOT (outside init's mount namespace) stays empty.
	[ "$(grep -c run "$DATA/state/var/lib/t/runs")" -ge 2 ]
	[ ! -e "$ROOT/var/lib/t/runs" ]
	run stat -c '%a %u %G' "$DATA/state/var/lib/t" "$DATA/state/var/spool/t"
	assert_line --index 0 "750 0 nogroup"
	assert_line --index 1 "700 0 nogroup"
	run grep -c " $ROOT/var/lib/t " "/proc/$INIT_PID/mountinfo"
	assert_output 1
	run grep -c " $ROOT/var/spool/t " "/proc/$INIT_PID/mountinfo"
	assert_output 1
}

@test "state= without a data partition: directories in RAM, and one line says so" {
	state_service
	start_init
	sleep 1
	run grep -c "state: no fathom-data partition: state is in RAM and lost at reboot" "$LOG"
	assert_output 1
	grep -q run "$ROOT/var/lib/t/runs"
	run stat -c '%a %u %G' "$ROOT/var/lib/t" "$ROOT/var/spool/t"
	assert_line --index 0 "750 0 nogroup"
	assert_line --index 1 "700 0 nogroup"
}

@test "state= with a group not in /etc/group: logged, the service's group is used, it starts" {
	service st "exec=/bin/sleep 1000" "state=/var/lib/t 0770 no-such-group"
	start_init
	wait_log "service st: started"
	run cat "$LOG"
	assert_output --partial "service st: state /var/lib/t: group no-such-group not in /etc/group; using the service's group"
	run stat -c '%a %u %g' "$ROOT/var/lib/t"
	assert_output "770 0 0"
}
