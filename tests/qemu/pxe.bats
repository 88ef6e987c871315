#!/usr/bin/env bats
# PXE under BIOS, as at a site with a PXE server: QEMU's own iPXE NIC ROM
# gets the per-machine boot.ipxe by DHCP (dnsmasq, with router
# advertisements so iPXE does not stall on IPv6), and boot.ipxe sets the
# machine's static addresses in iPXE itself and fetches the kernel and two
# initrds (the image, then the machine's config.cpio) over HTTP (busybox
# httpd). Everything runs in the test's namespace.

load lib

setup_file() {
	export VM_PXE=1 VM_BEFORE_BOOT=pxe_servers
	vm_boot pxe
	# iPXE itself answers pings once its script set the static address:
	# wait for Linux, not for the first echo reply.
	wait_until "$BOOT_TIMEOUT" grep -q "network: ready" "$CONSOLE" || true
}

teardown_file() {
	pxe_servers_stop
	vm_destroy
}

@test "PXE (BIOS): iPXE fetched the per-machine script, the kernel and both initrds over HTTP" {
	pxe_check_fetched
}

@test "PXE (BIOS): Linux booted with the machine's command line and configured the uplink" {
	pxe_check_linux
}

@test "PXE (BIOS): the machine answers on its static IPv4 and IPv6 addresses, iperf3 too" {
	pxe_check_reachable
}
