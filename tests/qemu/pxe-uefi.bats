#!/usr/bin/env bats
# PXE under UEFI (OVMF): as pxe.bats, with the EFI build of QEMU's iPXE NIC
# ROM; the kernel finds its two initrds by the initrd= names on its command
# line (the EFI stub's way).

load lib

setup_file() {
	export VM_PXE=1 VM_BEFORE_BOOT=pxe_servers
	export VM_UEFI=1
	vm_boot pxe-uefi
	# iPXE itself answers pings once its script set the static address:
	# wait for Linux, not for the first echo reply.
	wait_until "$BOOT_TIMEOUT" grep -q "network: ready" "$CONSOLE" || true
}

teardown_file() {
	pxe_servers_stop
	vm_destroy
}

@test "PXE (UEFI): iPXE fetched the per-machine script, the kernel and both initrds over HTTP" {
	pxe_check_fetched
}

@test "PXE (UEFI): Linux booted with the machine's command line and configured the uplink" {
	pxe_check_linux
	grep -q "efi: EFI v.* by EDK II" "$CONSOLE"
}

@test "PXE (UEFI): the machine answers on its static IPv4 and IPv6 addresses, iperf3 too" {
	pxe_check_reachable
}
