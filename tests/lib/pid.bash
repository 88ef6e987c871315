# Processes the tests start in the background, known by the pid they were
# started with (never by name): started and waited for until they write a
# ready file; stopped by that pid, however they are doing. Sourced by
# tests/platform/lib.bash; bats files load it as '../lib/pid'.

# bg_start NAME CMD...: CMD in the background, stdout and stderr in
# $D/NAME.log, its pid in $D/NAME.pid; waits up to 10 s for CMD to write
# $D/NAME.ready (CMD is told that path by the caller). If it does not (or
# exits first): its log on stderr, and 1.
bg_start() {
	local name=$1
	shift
	rm -f "$D/$name.ready"
	"$@" > "$D/$name.log" 2>&1 3>&- &
	echo $! > "$D/$name.pid"
	for _ in $(seq 100); do
		[ -s "$D/$name.ready" ] && break
		kill -0 "$(cat "$D/$name.pid")" 2> /dev/null || break
		sleep 0.1
	done
	[ -s "$D/$name.ready" ] || { cat "$D/$name.log" >&2; return 1; }
}

# pid_stop PIDFILE [SIGNAL]: SIGNAL (default TERM) to the pid in PIDFILE,
# SIGKILL if it is still there 5 s later; PIDFILE removed. Nothing if there
# is no PIDFILE (never started, or stopped already).
pid_stop() {
	local pid
	pid=$(cat "$1" 2> /dev/null) || return 0
	kill -"${2:-TERM}" "$pid" 2> /dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2> /dev/null || true
	rm -f "$1"
}
