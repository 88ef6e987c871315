#!/usr/bin/env bats
# A malformed fathom.ipv4 must be named on the console in one line, and the
# rest of the configuration (IPv6, the service) must still come up.

load lib

setup_file() {
	vm_boot badv4 console=ttyS0,115200 \
		fathom.ipv4=192.0.2.10/33 fathom.ipv6=2001:db8::10/64,2001:db8::1
	wait_for_ping 2001:db8::10 || true
}

@test "the console shows exactly one error line naming fathom.ipv4 and the expected form" {
	run grep -c 'fathom.ipv4: "192.0.2.10/33"' "$CONSOLE"
	assert_output 1
	run grep 'fathom.ipv4: "192.0.2.10/33"' "$CONSOLE"
	assert_output --partial "prefix length must be 0-32"
}

@test "IPv6 still comes up: ping 2001:db8::10" {
	wait_for_ping 2001:db8::10
}

@test "iperf3 still answers over IPv6" {
	iperf3_measures 2001:db8::10
}

@test "no IPv4 address was configured from the bad parameter" {
	run in_ns ping -c1 -W1 192.0.2.10
	assert_failure
}
