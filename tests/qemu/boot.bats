#!/usr/bin/env bats
# Boot the default image with static IPv4 + IPv6 and check it from outside,
# as an operator would: ping both addresses, run a real iperf3 client.

load lib

setup_file() {
	vm_boot good console=ttyS0,115200 \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1
	wait_for_ping 192.0.2.10 || true
}

@test "the appliance answers ping on its static IPv4 address 192.0.2.10" {
	wait_for_ping 192.0.2.10
}

@test "the appliance answers ping on its static IPv6 address 2001:db8::10" {
	wait_for_ping 2001:db8::10
}

@test "iperf3 over IPv4: Debian's client measures more than 0 bits/s" {
	iperf3_measures 192.0.2.10
}

@test "iperf3 over IPv6: Debian's client measures more than 0 bits/s" {
	iperf3_measures 2001:db8::10
}

@test "the VM's default routes point at the gateways: it reaches beyond its prefix" {
	# An address in another documentation prefix, routed via the bridge:
	# the VM's reply must go through its default route to come back.
	in_ns ip addr add 198.51.100.1/32 dev br0
	in_ns ip addr add 2001:db8:1::1/128 dev br0 nodad
	in_ns ping -c1 -W2 -I 198.51.100.1 192.0.2.10
	in_ns ping -c1 -W2 -I 2001:db8:1::1 2001:db8::10
}

@test "the console shows the uplink chosen and the addresses set, and no error" {
	run cat "$CONSOLE"
	assert_output --partial "netcfg: eth0: chosen as uplink"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
	assert_output --partial "netcfg: eth0: ipv6 2001:db8::10/64 via 2001:db8::1"
	assert_output --partial "service iperf3: started"
	refute_output --partial "Kernel panic"
	refute_output --regexp "fathom: .*(cannot|not fully configured|[1-9][0-9]* failed)"
}

# Last: this one ends the VM.
@test "the ACPI power button (system_powerdown, as iDRAC's graceful shutdown) stops services and powers off" {
	vm_monitor system_powerdown
	for _ in $(seq 60); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
	run kill -0 "$QEMU_PID"
	assert_failure
	# One line, so the regexp below can check the order of events.
	run tr '\n' ' ' < "$CONSOLE"
	assert_output --partial "power button pressed"
	assert_output --partial "shutdown: stopping services (power off follows)"
	assert_output --regexp "stopping services.*service iperf3: (exited|killed)"
	assert_output --partial "shutdown: power off now"
}
