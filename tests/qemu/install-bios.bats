#!/usr/bin/env bats
# Install to disk under BIOS (SeaBIOS): the stick with install=FATHOMDISK1
# installs onto the blank virtio disk and reboots; then the disk alone
# boots through GRUB's boot code in its MBR and core.img in its BIOS boot
# partition, the same grub.cfg and grubenv as UEFI, and answers on the
# addresses of the installed fathom.conf.

load lib

setup_file() {
	install_stick "install=FATHOMDISK1"
	install_disk disk
	install_then_boot install-bios disk:FATHOMDISK1
}

@test "install-bios: the installer wrote GRUB's BIOS boot code and said there is no UEFI entry to make" {
	run cat "$INSTALL_CONSOLE"
	assert_output --partial "install: /dev/vda: GPT written: 3 partitions, GRUB BIOS boot code"
	assert_output --partial "install: booted by BIOS: no UEFI boot entry (the disk's MBR boots it)"
	assert_output --regexp "install: done in [0-9.]+ s: /dev/vda"
}

@test "install-bios: without the stick the disk boots slot A through GRUB and answers on v4 and v6" {
	run cat "$CONSOLE"
	assert_output --partial "Fathom (slot A)"
	assert_output --regexp "fathom: media: /dev/vda1 \(vfat\) is the boot medium [0-9a-f]{16}, after [0-9]+ ms; reading its fathom.conf"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
	# init (init/state.c) mounts the data partition the installer made.
	assert_output --partial "state: /dev/vda3 (fathom-data) mounted on /data"
	wait_for_ping 192.0.2.10
	wait_for_ping 2001:db8::10
}
