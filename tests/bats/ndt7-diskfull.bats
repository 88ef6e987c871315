#!/usr/bin/env bats
# ndt7 on a full disk: the spool on a small tmpfs of its own (a mount
# namespace of the server's; the test reaches it through /proc/PID/root)
# filled up. The server keeps measuring, says "disk full" once however many
# tests it cannot save, and "space again" once when a record fits again.
# The real server and M-Lab's JS client on loopback; every process stopped
# by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../lib/build'
load '../ndt7/assert'
load '../lib/pid'

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for a mount namespace"
	export D=$BATS_FILE_TMPDIR
	make_targets ndt7
	export NDT7=$OUTDIR/build/$BOARD/ndt7-server
	NODE_PATH=$("$TOP/tests/ndt7/install-client")
	export NODE_PATH
	export CLIENT="$TOP/tests/ndt7/client.js" PRELOAD="$TOP/tests/ndt7/ws-global.js"
}

teardown() {
	pid_stop "$D/server.pid"
}

# download: one test against the server; it must complete.
download() {
	run timeout 60 node -r "$PRELOAD" "$CLIENT" "127.0.0.1:$WS" ws download
	assert_success
	ndt7_test_ok download BytesAcked
}

@test "a full spool: tests go on, 'disk full' once for many, 'space again' once when it clears" {
	read -r WS _ <<< "$(free_ports)"
	mkdir -p "$D/spool"
	# The server (exec'd: its pid is the namespace's) with the spool on a
	# 1 MiB tmpfs that a filler takes whole.
	# shellcheck disable=SC2016 # expanded by that sh
	unshare --mount --propagation private sh -c 'mount -t tmpfs -o size=1m tmpfs "$1" &&
		{ head -c 2M /dev/zero > "$1/filler" 2> /dev/null || true; } && shift && exec "$@"' _ \
		"$D/spool" "$NDT7" --ws-port "$WS" --wss-port 0 --listen 127.0.0.1 \
		--spool-dir "$D/spool" --workers 1 --health-listen off > "$D/server.log" 2>&1 3>&- &
	echo $! > "$D/server.pid"
	for _ in $(seq 200); do
		grep -q ' ready: ' "$D/server.log" && break
		sleep 0.1
	done
	grep -q ' ready: ' "$D/server.log" || { cat "$D/server.log"; false; }
	local root
	root=/proc/$(cat "$D/server.pid")/root$D/spool
	[ -f "$root/filler" ]
	download
	download
	download
	run grep -c "disk full: results are not saved until there is space again" "$D/server.log"
	assert_output 1
	run find "$root" -name '*.json'
	assert_output ""
	rm "$root/filler"
	download
	download
	run grep -c "space again: results are saved again" "$D/server.log"
	assert_output 1
	grep "disk full" "$D/server.log"
	run grep -c "disk full" "$D/server.log"
	assert_output 1
	[ "$(find "$root" -name '*.json' | wc -l)" = 2 ]
	kill -0 "$(cat "$D/server.pid")"
}
