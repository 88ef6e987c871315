#!/usr/bin/env bats
# Two NICs, both with carrier: auto would take the first; BOOTIF= (as
# PXELINUX and iPXE append it) names the second by MAC, so that one is used.

load lib

NIC1_MAC=52:54:00:00:02:11

setup_file() {
	export VM_EXTRA_TAPS=tap1
	export VM_QEMU_OPTS="--qemu-arg -netdev --qemu-arg tap,id=n1,ifname=tap1,script=no,downscript=no
		--device virtio-net-pci,netdev=n1,mac=$NIC1_MAC"
	vm_boot bootif console=ttyS0,115200 BOOTIF=01-52-54-00-00-02-11 \
		fathom.ipv4=192.0.2.10/28,192.0.2.1
	wait_for_ping 192.0.2.10 || true
}

@test "BOOTIF selects the NIC by MAC when both have carrier" {
	wait_for_ping 192.0.2.10
	run cat "$CONSOLE"
	assert_output --partial "netcfg: eth1: chosen as uplink"
	assert_output --partial "netcfg: eth0 (virtio_net, 52:54:00:00:02:10): not a candidate: not the one fathom.iface names"
	run in_ns ip neigh show 192.0.2.10
	assert_output --partial "lladdr $NIC1_MAC"
}
