#!/usr/bin/env bats
# Install to disk under UEFI (OVMF with persistent variables): the stick
# with install=FATHOMDISK1 in its fathom.conf installs onto the blank
# virtio disk of that serial and reboots; then the machine boots from the
# disk alone (no stick) through the Boot#### entry "Fathom" and answers
# on the addresses of the installed fathom.conf.

load lib

setup_file() {
	export UEFI=1
	install_stick "install=FATHOMDISK1"
	install_disk disk
	install_then_boot install-uefi disk:FATHOMDISK1
}

@test "install-uefi: the installer chose the disk by serial, wrote it, said so with progress and a summary" {
	run cat "$INSTALL_CONSOLE"
	assert_output --regexp "install: vda \(2.0 GiB, serial FATHOMDISK1\): writing"
	assert_output --partial "install: /dev/vda: GPT written: 3 partitions, GRUB BIOS boot code"
	assert_output --partial "install: writing slot A: 100%"
	assert_output --regexp "install: UEFI boot entry Boot[0-9A-F]{4} \"Fathom\" -> \\\\EFI\\\\fathom\\\\grubx64.efi, first in BootOrder"
	assert_output --regexp "install: done in [0-9.]+ s: /dev/vda, ESP /dev/vda1 slot A"
	assert_output --partial "shutdown: reboot now"
}

@test "install-uefi: the disk has the layout: fathom-esp with slot A and GRUB, fathom-data ext4" {
	run sfdisk --dump "$BATS_FILE_TMPDIR/disk.img"
	assert_output --partial 'name="fathom-esp"'
	assert_output --partial 'name="fathom-data"'
	local off=$((2048 * 512))
	run env MTOOLS_SKIP_CHECK=1 mdir -b -i "$BATS_FILE_TMPDIR/disk.img@@$off" ::/fathom/A
	assert_output --partial "vmlinuz"
	assert_output --partial "initramfs.cpio.zst"
	assert_output --partial "fathom.conf"
	run env MTOOLS_SKIP_CHECK=1 mtype -i "$BATS_FILE_TMPDIR/disk.img@@$off" ::/boot/grub/grubenv
	assert_output --partial "fathom_slot=A"
	run env MTOOLS_SKIP_CHECK=1 mtype -i "$BATS_FILE_TMPDIR/disk.img@@$off" ::/fathom/A/fathom.conf
	assert_output --partial "ipv4=192.0.2.10/28,192.0.2.1"
	refute_output --partial "install="
}

@test "install-uefi: the firmware's variables hold Boot entry \"Fathom\", and it booted first" {
	# UTF-16LE "Fathom" in the variable store.
	run grep -c -a -P 'F\x00a\x00t\x00h\x00o\x00m\x00\x00\x00' "$BATS_FILE_TMPDIR/vars.fd"
	assert_success
	run cat "$CONSOLE"
	assert_output --regexp "BdsDxe: (loading|starting) Boot[0-9A-F]{4} \"Fathom\""
}

@test "install-uefi: without the stick the disk boots slot A and answers on fathom.conf's v4 and v6" {
	run cat "$CONSOLE"
	assert_output --regexp "fathom: media: /dev/vda1 \(vfat\) is the boot medium [0-9a-f]{16}, after [0-9]+ ms; reading its fathom.conf"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
	refute_output --partial "install: installing"
	# init (init/state.c) mounts the data partition the installer made.
	assert_output --partial "state: /dev/vda3 (fathom-data) mounted on /data"
	wait_for_ping 192.0.2.10
	wait_for_ping 2001:db8::10
}
