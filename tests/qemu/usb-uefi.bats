#!/usr/bin/env bats
# Boot from a USB stick (usb-storage on qemu-xhci) under UEFI: no kernel
# given to QEMU, the firmware boots the medium made by image/mkmedia, and init reads the network
# settings from the medium's fathom.conf (init/media.c).

load lib

setup_file() {
	export VM_UEFI=1
	media_stick
	vm_boot usb-uefi
	wait_until "$BOOT_TIMEOUT" grep -q "network: ready" "$CONSOLE" || true
}

@test "usb-uefi (UEFI): init found the medium and took fathom.conf's settings" {
	media_check_stick
}

@test "usb-uefi (UEFI): the machine answers on fathom.conf's IPv4 and IPv6 addresses, iperf3 too" {
	pxe_check_reachable
}
