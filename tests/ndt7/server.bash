# Shared by the tests/bats/ndt7*.bats files (loaded): the server under test
# in the background and stopped by its pid, and the build every file needs.

# ndt7_setup_file [MAKE_TARGETS...]: TOP, OUTDIR, BOARD and D ($BATS_FILE_TMPDIR)
# exported; the targets (default: ndt7) built quietly (the log shown on
# failure); NDT7 the server, NODE_PATH M-Lab's JS client (npm ci once per lock
# file into the cache; later runs are offline).
ndt7_setup_file() {
	export TOP=$BATS_TEST_DIRNAME/../..
	export OUTDIR=${FATHOM_OUT:-$TOP/out}
	export BOARD=${FATHOM_BOARD:-qemu-x86_64}
	export D=$BATS_FILE_TMPDIR
	make -C "$TOP" O="$OUTDIR" BOARD="$BOARD" "${@:-ndt7}" > "$D/make.log" 2>&1 ||
		{ cat "$D/make.log" >&2; return 1; }
	export NDT7=$OUTDIR/build/$BOARD/ndt7-server
	NODE_PATH=$("$TOP/tests/ndt7/install-client")
	export NODE_PATH
}

# start_server NAME ARGS...: "$NDT7" ARGS (or ARGS itself when it starts with
# `ip`, e.g. `ip netns exec NS "$NDT7" ...`) in the background, its pid in
# $D/NAME.pid, its output in $D/NAME.log; waits (5 s at most) until it says
# it is ready.
start_server() {
	local name=$1
	shift
	if [ "$1" = ip ]; then
		"$@" > "$D/$name.log" 2>&1 3>&- &
	else
		"$NDT7" "$@" > "$D/$name.log" 2>&1 3>&- &
	fi
	echo $! > "$D/$name.pid"
	for _ in $(seq 50); do
		grep -q ' ready: ' "$D/$name.log" && return 0
		kill -0 "$(cat "$D/$name.pid")" 2> /dev/null || break
		sleep 0.1
	done
	cat "$D/$name.log" >&2
	return 1
}

# stop_server NAME: the server and its workers (its children), by pid:
# $STOP_SIGNAL (default TERM: the lame-duck exit), KILL after 5 s.
stop_server() {
	local pid kids
	pid=$(cat "$D/$1.pid" 2> /dev/null) || return 0
	kids=$(ps -o pid= --ppid "$pid" 2> /dev/null || true)
	kill "-${STOP_SIGNAL:-TERM}" "$pid" 2> /dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -KILL "$pid" $kids 2> /dev/null || true
	rm -f "$D/$1.pid"
}
