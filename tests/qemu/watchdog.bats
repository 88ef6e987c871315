#!/usr/bin/env bats
# The hardware watchdog (QEMU's i6300esb): init feeds it while healthy, and
# when it stops feeding (here: the test hook) the machine resets by itself.

load lib

setup_file() {
	export VM_QEMU_OPTS="--device i6300esb"
	vm_boot wdt console=ttyS0,115200 fathom.ipv4=192.0.2.10/28,192.0.2.1 \
		fathom.watchdog_timeout=6 fathom.test.watchdog_stop=24
	wait_for_ping 192.0.2.10 || true
}

@test "init finds /dev/watchdog (i6300esb, loaded by coldplug) and arms it with the asked timeout" {
	wait_until 60 grep -q "watchdog: /dev/watchdog, timeout 6s" "$CONSOLE"
}

@test "while init feeds it, the machine outlives the watchdog's timeout" {
	wait_until 60 grep -q "watchdog: /dev/watchdog" "$CONSOLE"
	# Unfed, it would have reset after 6 s: 15 s later it must still answer.
	sleep 15
	in_ns ping -c1 -W2 192.0.2.10
	run grep -c "no longer fed" "$CONSOLE"
	assert_output 0
}

@test "when feeding stops, the machine resets by itself (no shutdown, a hard reset)" {
	wait_until 60 grep -q "watchdog: no longer fed (test hook" "$CONSOLE"
	# QEMU runs with -no-reboot: the watchdog's reset ends it.
	for _ in $(seq 120); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
	run kill -0 "$QEMU_PID"
	assert_failure
	run cat "$CONSOLE"
	refute_output --partial "shutdown:"
}
