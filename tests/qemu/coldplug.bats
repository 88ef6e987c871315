#!/usr/bin/env bats
# Coldplug: boot with an uplink NIC whose driver is not in the board's
# MODULES (an RTL8139) and QEMU's i6300esb watchdog; both drivers must come
# from COLDPLUG_MODULES through the devices' modaliases. A second NIC, an
# i82559ER, has no driver in the image: the console must name it. The
# command line also names a second serial console that does not exist, as a
# board's default might: the boot must not stall on it.

load lib

setup_file() {
	export VM_QEMU_OPTS="--nic rtl8139 --device i6300esb --device i82559er,mac=52:54:00:00:02:99"
	vm_boot coldplug console=ttyS1,115200n8 console=ttyS0,115200 \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=
	wait_for_ping 192.0.2.10 || true
}

@test "coldplug: the RTL8139 (driver not in MODULES) gets its driver; the VM answers ping on 192.0.2.10" {
	wait_for_ping 192.0.2.10
}

@test "coldplug: the console names the devices and the modules loaded for them" {
	run cat "$CONSOLE"
	assert_output --regexp "coldplug: [0-9a-f:.]+ \(pci:v000010ECd00008139[^)]*\): loaded 8139(cp|too)"
	assert_output --regexp "coldplug: [0-9a-f:.]+ \(pci:v00008086d000025AB[^)]*\): loaded i6300esb"
	assert_output --regexp "coldplug: [1-9][0-9]* loaded, 0 failed"
	assert_output --regexp "coldplug: [0-9a-f:.]+: network device 8086:1209 has no driver; add its module to the board's MODULES or COLDPLUG_MODULES"
	refute_output --partial "network device 10ec:8139 has no driver"
	refute_output --partial "Kernel panic"
}
