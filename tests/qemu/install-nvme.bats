#!/usr/bin/env bats
# Install to disk onto an NVMe disk under BIOS (SeaBIOS): the stick's
# fathom.conf names it by its /dev/disk/by-id name (without the directory);
# then the NVMe disk alone boots through GRUB's BIOS boot code, init mounts
# its fathom-data, and the machine answers on the installed addresses.

load lib

TARGET=nvme-QEMU_NVMe_Ctrl_FATHOMNVME1

setup_file() {
	install_stick "install=$TARGET"
	install_disk nvme
	install_then_boot install-nvme nvme:FATHOMNVME1:nvme
}

@test "install-nvme: the installer chose the NVMe disk by its by-id name and wrote GRUB's BIOS boot code" {
	run cat "$INSTALL_CONSOLE"
	assert_output --partial "install: installing onto $TARGET"
	assert_output --regexp "install: nvme0n1 \(2.0 GiB, serial FATHOMNVME1[,)].*: writing"
	assert_output --partial "install: /dev/nvme0n1: GPT written: 3 partitions, GRUB BIOS boot code"
	assert_output --partial "install: booted by BIOS: no UEFI boot entry (the disk's MBR boots it)"
	assert_output --regexp "install: done in [0-9.]+ s: /dev/nvme0n1, ESP /dev/nvme0n1p1 slot A"
}

@test "install-nvme: without the stick the NVMe disk boots slot A, mounts its fathom-data and answers on v4 and v6" {
	run cat "$CONSOLE"
	assert_output --regexp "fathom: media: /dev/nvme0n1p1 \(vfat\) is the boot medium [0-9a-f]{16}"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
	assert_output --partial "state: /dev/nvme0n1p3 (fathom-data) mounted on /data"
	wait_for_ping 192.0.2.10
	wait_for_ping 2001:db8::10
}
