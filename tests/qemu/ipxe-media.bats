#!/usr/bin/env bats
# iPXE on a stick at a site with no DHCP at all: SYSLINUX starts Debian's
# ipxe.lkrn with the machine's boot.ipxe as its initrd; the script sets the
# static addresses in iPXE and fetches the kernel and both initrds over HTTP.
# The namespace runs a web server and nothing else.

load lib

setup_file() {
	export PXE_NO_DHCP=1 VM_BEFORE_BOOT=pxe_servers
	machine_files
	mkmedia --ipxe "$BATS_FILE_TMPDIR/web/machines/$HOST/boot.ipxe" ipxe-usb \
		"$BATS_FILE_TMPDIR/ipxe.img" "$TOP/boards/$BOARD" "$OUTDIR/$BOARD" "$BATS_FILE_TMPDIR/build"
	export VM_MEDIA="--usb $BATS_FILE_TMPDIR/ipxe.img"
	vm_boot ipxe-media
	wait_until "$BOOT_TIMEOUT" grep -q "network: ready" "$CONSOLE" || true
}

teardown_file() {
	pxe_servers_stop
	vm_destroy
}

@test "iPXE on a stick, no DHCP: the script from the stick fetched the kernel and both initrds over HTTP" {
	[ ! -e "$BATS_FILE_TMPDIR/dnsmasq.pid" ]
	run cat "$BATS_FILE_TMPDIR/httpd.log"
	refute_output --partial "url:/machines/$HOST/boot.ipxe"
	assert_output --regexp "192.0.2.10:[0-9]+: url:/vmlinuz"
	assert_output --regexp "192.0.2.10:[0-9]+: url:/initramfs.cpio.zst"
	refute_output --partial "url:/media.cpio.zst"	# a network boot needs no media drivers
	assert_output --regexp "192.0.2.10:[0-9]+: url:/machines/$HOST/config.cpio"
}

@test "iPXE on a stick, no DHCP: Linux booted with the machine's command line and configured the uplink" {
	pxe_check_linux
}

@test "iPXE on a stick, no DHCP: the machine answers on its static IPv4 and IPv6 addresses, iperf3 too" {
	pxe_check_reachable
}
