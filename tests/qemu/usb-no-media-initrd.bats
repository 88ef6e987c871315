#!/usr/bin/env bats
# A boot with fathom.media= but without the medium's second initrd
# (media.cpio.zst: its drivers and their list), as when a hand-written boot
# loader entry loads initramfs.cpio.zst alone: netcfg says what is missing
# and how to fix it, then configures from the command line.

load lib

setup_file() {
	vm_boot no-media-initrd console=ttyS0,115200 fathom.media=0123456789abcdef fathom.media_timeout=2 \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1
	wait_until "$BOOT_TIMEOUT" grep -q "network: ready" "$CONSOLE" || true
}

@test "no media.cpio.zst: the missing /etc/fathom/media-modules is named with the remedy, then no medium found" {
	run cat "$CONSOLE"
	assert_output --partial "media: no /etc/fathom/media-modules: the medium's drivers are not loaded; boot the medium's /boot/media.cpio.zst as a second initrd after initramfs.cpio.zst"
	assert_output --partial "no boot medium with /boot/fathom-0123456789abcdef after 2s"
}

@test "no media.cpio.zst: the command line's addresses are set all the same" {
	wait_for_ping 192.0.2.10
	wait_for_ping 2001:db8::10
}
