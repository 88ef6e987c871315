# Shared by tests/bats/ndt7.bats, ndt7-soak.bats and tests/qemu/ndt7.bats (sourced).
# ndt7_test_ok TEST COUNTER [JQ]: the client's output ($output) shows TEST
# completed with server measurements carrying TCPInfo and bytes, and JQ (a
# further condition on $r, the test's result) holds; a missing WebSocket or
# a silent server leaves these out (client.js prints {}).
ndt7_test_ok() {
	echo "$output" | jq -e --arg t "$1" --arg c "$2" '
		.[$t] as $r | $r.rc == 0 and ($r.errors | length) == 0 and
		$r.started == true and $r.serverMeasurements >= 5 and
		('"${3:-true}"') and
		($r.firstServer.ConnectionInfo.UUID | length) > 0 and
		($r.complete.LastServerMeasurement.TCPInfo | type) == "object" and
		$r.complete.LastServerMeasurement.TCPInfo[$c] > 0 and
		$r.complete.LastServerMeasurement.TCPInfo.RTT > 0 and
		$r.complete.LastServerMeasurement.TCPInfo.ElapsedTime > 5000000 and
		$r.complete.LastServerMeasurement.AppInfo.NumBytes > 0 and
		$r.complete.LastServerMeasurement.Test == $t and
		$r.complete.LastClientMeasurement.NumBytes > 0' > /dev/null ||
		{ echo "$output" | head -c 3000 >&2; echo >&2; return 1; }
}

# free_ports: three free TCP ports on 127.0.0.1 (the kernel's choice), for
# a server's ws, wss and health ports or any of them.
free_ports() {
	python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
}
