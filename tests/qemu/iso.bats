#!/usr/bin/env bats
# Boot from a per-machine ISO (-cdrom) under BIOS: no kernel given to QEMU, the firmware
# boots the medium made by image/mkmedia, and init reads the network
# settings from the medium's fathom.conf (init/media.c).

load lib

setup_file() {
	media_iso
	vm_boot iso
	wait_until "$BOOT_TIMEOUT" grep -q "network: ready" "$CONSOLE" || true
}

@test "iso (BIOS): init found the medium and took fathom.conf's settings" {
	media_check_iso
}

@test "iso (BIOS): the machine answers on fathom.conf's IPv4 and IPv6 addresses, iperf3 too" {
	pxe_check_reachable
}
