#!/usr/bin/env bats
# Two NICs, the first without carrier (QEMU's set_link off), and a BMC's USB
# NIC (QEMU usb-net: cdc_ether, carrier as soon as it is up) beside them:
# fathom.iface=auto must configure the second NIC and never the USB one.

load lib

NIC1_MAC=52:54:00:00:02:11

setup_file() {
	export VM_EXTRA_TAPS=tap1
	export VM_QEMU_OPTS="--paused --qemu-arg -netdev --qemu-arg tap,id=n1,ifname=tap1,script=no,downscript=no
		--device virtio-net-pci,netdev=n1,mac=$NIC1_MAC
		--qemu-arg -netdev --qemu-arg user,id=n2,restrict=on --device qemu-xhci --device usb-net,netdev=n2"
	vm_boot nics console=ttyS0,115200 \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1
	wait_until 30 vm_monitor "set_link n0 off"
	vm_monitor cont
	wait_for_ping 192.0.2.10 || true
}

@test "the first NIC never gets carrier: auto configures the second" {
	wait_for_ping 192.0.2.10
	run cat "$CONSOLE"
	assert_output --partial "netcfg: eth1: chosen as uplink"
	run in_ns ip neigh show 192.0.2.10
	assert_output --partial "lladdr $NIC1_MAC"
	wait_for_ping 2001:db8::10
}

@test "the BMC's USB NIC (usb-net, cdc_ether) is seen and never chosen" {
	wait_until 60 grep -qE "\(cdc_ether, [0-9a-f:]+\): not a candidate: USB NIC of a BMC" "$CONSOLE"
	run grep -E "netcfg: usb[0-9]+: chosen" "$CONSOLE"
	assert_failure
}
