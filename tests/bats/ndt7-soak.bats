#!/usr/bin/env bats
# The ndt7 server (services/ndt7) under sustained load on loopback: short
# concurrent tests from bench/ndt7-soak.c (downloads and uploads the client
# ends after a second, downloads the server completes, refused requests),
# over ws and wss, against 2 workers. Under ASan, LeakSanitizer runs in the
# workers (SIGUSR2 mid-run, and at their clean exit on SIGTERM) and finds
# nothing, and finds the leak of the test-only switch; the release build's
# memory levels off. Bounded (about 2 minutes), loopback only; every process
# started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../ndt7/assert'

# start_server NAME BINARY ARGS...: in the background (pid in $D/NAME.pid,
# output in $D/NAME.log), on fresh ports $WS and $WSS; waits for ready.
start_server() {
	local name=$1 bin=$2 p
	shift 2
	for _ in 1 2 3; do
		read -r WS WSS _ <<-EOF
		$(free_ports)
		EOF
		# All the load comes from 127.0.0.1: no limit per address.
		"$bin" --ws-port "$WS" --wss-port "$WSS" --listen 127.0.0.1 --workers 2 \
			--max-pending-per-addr 0 --max-tests-per-addr 0 --state-dir "$D/state" "$@" > "$D/$name.log" 2>&1 3>&- &
		p=$!
		echo "$p" > "$D/$name.pid"
		for _ in $(seq 100); do
			grep -q ' ready: ' "$D/$name.log" && return 0
			kill -0 "$p" 2> /dev/null || break
			sleep 0.1
		done
		stop_server "$name"
	done
	cat "$D/$name.log" >&2
	return 1
}

# SIGTERM, and wait for the clean exit (the workers close everything and
# exit, which runs LeakSanitizer in an ASan build); SIGKILL after 30 s.
stop_server() {
	local pid kids
	pid=$(cat "$D/$1.pid" 2> /dev/null) || return 0
	kids=$(ps -o pid= --ppid "$pid" 2> /dev/null || true)
	kill -TERM "$pid" 2> /dev/null || true
	for _ in $(seq 300); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -KILL "$pid" $kids 2> /dev/null || true
	rm -f "$D/$1.pid"
}

# The server's workers, by pid.
workers() {
	ps -o pid= --ppid "$(cat "$D/$1.pid")"
}

# soak SECONDS [ndt7-soak options]: the load; output in $output.
soak() {
	local secs=$1
	shift
	run timeout $((secs + 30)) "$SOAK" --seconds "$secs" "$@" 127.0.0.1 "$WS" "$WSS"
	echo "# $(echo "$output" | tail -n 1)" >&3
	assert_success
}

# Until the server has no connection left (at most 10 s).
wait_idle() {
	for _ in $(seq 100); do
		[ -z "$(ss -Htn state established "( sport = :$WS or sport = :$WSS )")" ] && return 0
		sleep 0.1
	done
	return 1
}

# Resident memory of the server and its workers, summed: KiB.
rss_kb() {
	local p sum=0
	for p in $(cat "$D/$1.pid") $(workers "$1"); do
		sum=$((sum + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")))
	done
	echo "$sum"
}

# Heap in use (KiB) over the workers, from their SIGUSR2 reports.
heap_kb() {
	local n
	n=$(grep -c ': memory: ' "$D/$1.log" || true)
	kill -USR2 "$(cat "$D/$1.pid")"
	for _ in $(seq 50); do
		[ "$(grep -c ': memory: ' "$D/$1.log")" -ge $((n + 3)) ] && break
		sleep 0.1
	done
	grep ': memory: ' "$D/$1.log" | tail -n 3 | grep '^ndt7: worker' |
		sed -n 's/.*heap \([0-9]*\) KiB in use.*/\1/p' | awk '{ s += $1 } END { print s }'
}

# The number after "tests" in the soak's summary.
tests_done() {
	echo "$output" | tail -n 1 | awk '{ print $2 }'
}

setup_file() {
	export TOP=$BATS_TEST_DIRNAME/../..
	export OUTDIR=${FATHOM_OUT:-$TOP/out}
	export BOARD=${FATHOM_BOARD:-qemu-x86_64}
	export D=$BATS_FILE_TMPDIR
	make -C "$TOP" O="$OUTDIR" BOARD="$BOARD" ndt7 ndt7-asan ndt7-soak > "$D/make.log" 2>&1 ||
		{ cat "$D/make.log" >&2; return 1; }
	export NDT7=$OUTDIR/build/$BOARD/ndt7-server
	export NDT7_ASAN=$OUTDIR/build/host/ndt7-server-asan
	export SOAK=$OUTDIR/build/host/ndt7-soak
	# Leaks are reported, not fatal mid-run; at exit they make the status.
	export ASAN_OPTIONS=detect_leaks=1
	mkdir -p "$D/state"
}

teardown() {
	for n in asan leak release; do stop_server "$n"; done
}

@test "ASan soak: 40 s of short tests, LeakSanitizer in the workers mid-run and at exit finds nothing" {
	start_server asan "$NDT7_ASAN" --spool-dir "$D/spool-asan" --spool-max-bytes 300000
	timeout 60 "$SOAK" --seconds 40 --threads 20 127.0.0.1 "$WS" "$WSS" > "$D/asan.soak" &
	sp=$!
	sleep 20
	kill -USR2 "$(cat "$D/asan.pid")"
	wait "$sp" || { cat "$D/asan.soak" >&2; false; }
	echo "# $(tail -n 1 "$D/asan.soak")" >&3
	wait_idle
	stop_server asan
	run grep -c -e '^ndt7: worker [01]: LeakSanitizer: no leaks' "$D/asan.log"
	assert_output 2
	run grep -c -e '^ndt7: worker [01]: stopped: ' "$D/asan.log"
	assert_output 2
	grep -q '^ndt7: stopped (lame duck over: no test running)' "$D/asan.log"
	run grep -e 'ERROR: .*Sanitizer' -e 'leaks found' -e 'runtime error' \
		-e 'stopped: exit status' "$D/asan.log"
	assert_output ''
	# The spool bound held through the soak.
	[ "$(find "$D/spool-asan" -type f -name 'ndt7-*.json' -exec cat {} + | wc -c)" -le 300000 ]
}

@test "the leak check can fail: the test-only leak switch is caught in the workers" {
	NDT7_TEST_LEAK=1 start_server leak "$NDT7_ASAN" --spool-dir "$D/spool-leak"
	soak 5 --threads 10 --no-complete
	wait_idle
	kill -USR2 "$(cat "$D/leak.pid")"
	for _ in $(seq 50); do
		[ "$(grep -c 'LeakSanitizer: leaks found' "$D/leak.log")" -ge 2 ] && break
		sleep 0.1
	done
	stop_server leak
	run grep -c '^ndt7: worker [01]: LeakSanitizer: leaks found' "$D/leak.log"
	assert_output 2
	# ...and again at exit, with where the leaked memory came from.
	run grep -c 'ERROR: LeakSanitizer: detected memory leaks' "$D/leak.log"
	[ "$output" -ge 4 ]
	grep -q 'in test_leak .*spool.c' "$D/leak.log"
	run grep -c 'ndt7: error: worker [01] (pid [0-9]*) stopped: exit status' "$D/leak.log"
	assert_output 2
}

# glibc's per-thread cache (tcache) keeps up to 7 freed blocks of each size
# under 1 KiB, which mallinfo2 counts as in use, and fills slowly with a mix
# of tests (up to ~240 KB a worker; in this soak ~100 B per test, levelling
# off): switched off here, the heap in use at idle is exact, and any memory
# kept per test shows in it and in RSS. The spool is left at its default
# bound, so that it grows through the soak as it does in service.
@test "release build: memory levels off (second half: RSS < 128 B and heap < 32 B per test)" {
	GLIBC_TUNABLES=glibc.malloc.tcache_count=0 start_server release "$NDT7" \
		--spool-dir "$D/spool-release"
	local r=0 n=0 rss=() heap=() tests=()
	for r in 1 2 3 4; do
		soak 12 --threads 50
		n=$((n + $(tests_done)))
		wait_idle
		tests+=("$n") rss+=("$(rss_kb release)") heap+=("$(heap_kb release)")
		echo "# round $r: $n tests, RSS ${rss[-1]} KiB, heap in use ${heap[-1]} KiB" >&3
	done
	second=$((tests[3] - tests[1]))
	grow=$(((rss[3] - rss[1]) * 1024))
	hgrow=$(((heap[3] - heap[1]) * 1024))
	echo "# second half: $second tests, RSS $((grow / second)) B/test, heap $((hgrow / second)) B/test" >&3
	[ "$second" -ge 200 ]
	[ "$grow" -lt $((128 * second)) ]
	[ "$hgrow" -lt $((32 * second)) ]
	stop_server release
	run grep -e 'stopped: exit status' -e 'killed by signal' "$D/release.log"
	assert_output ''
}
