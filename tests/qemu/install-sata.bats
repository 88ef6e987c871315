#!/usr/bin/env bats
# Install to disk onto a SATA disk (an ICH9 AHCI controller) under UEFI,
# with a blank NVMe disk beside it: the stick's fathom.conf names the SATA
# disk by its /dev/disk/by-id name, the installer takes that disk and
# leaves the NVMe disk untouched; then the SATA disk alone boots and
# answers on the addresses of the installed fathom.conf.

load lib

TARGET=/dev/disk/by-id/ata-QEMU_HARDDISK_FATHOMSATA1

setup_file() {
	export UEFI=1
	install_stick "install=$TARGET"
	install_disk sata
	install_disk nvme
	install_then_boot install-sata sata:FATHOMSATA1:sata nvme:FATHOMNVME1:nvme
}

@test "install-sata: the installer chose the SATA disk by its by-id name and wrote it; the NVMe disk is untouched" {
	run cat "$INSTALL_CONSOLE"
	assert_output --partial "install: installing onto $TARGET"
	assert_output --regexp "install: sd[a-z] \(2.0 GiB, serial FATHOMSATA1[,)].*: writing"
	assert_output --regexp "install: /dev/sd[a-z]: GPT written: 3 partitions"
	assert_output --partial "install: writing slot A: 100%"
	assert_output --regexp "install: UEFI boot entry Boot[0-9A-F]{4} \"Fathom\""
	assert_output --regexp "install: done in [0-9.]+ s: /dev/sd[a-z], ESP /dev/sd[a-z]1 slot A"
	run sfdisk --dump "$BATS_FILE_TMPDIR/sata.img"
	assert_output --partial 'name="fathom-esp"'
	assert_output --partial 'name="fathom-data"'
	# Every byte of the NVMe disk is still zero.
	cmp -n "$(stat -c %s "$BATS_FILE_TMPDIR/nvme.img")" "$BATS_FILE_TMPDIR/nvme.img" /dev/zero
}

@test "install-sata: without the stick the SATA disk boots slot A through Boot entry \"Fathom\" and answers on v4 and v6" {
	run cat "$CONSOLE"
	assert_output --regexp "BdsDxe: (loading|starting) Boot[0-9A-F]{4} \"Fathom\""
	assert_output --regexp "fathom: media: /dev/sd[a-z]1 \(vfat\) is the boot medium [0-9a-f]{16}"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
	assert_output --regexp "state: /dev/sd[a-z]3 \(fathom-data\) mounted on /data"
	wait_for_ping 192.0.2.10
	wait_for_ping 2001:db8::10
}
