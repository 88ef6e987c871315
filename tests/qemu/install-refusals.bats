#!/usr/bin/env bats
# The installer's refusals, in one booted VM (SeaBIOS): the stick (here a
# virtio disk with a serial, so it can be named), two blank disks and one
# with a partition table and data. install=auto in the stick's fathom.conf
# is refused at boot (two candidates); from the rescue shell, the disk
# with partitions without fathom.install.wipe, and the stick itself, are
# refused; every disk is left as it was (checksums, no blocks written).

load lib

setup_file() {
	install_stick "install=auto"
	# The rescue shell on the console, for the runs by hand.
	MTOOLS_SKIP_CHECK=1 mtype -i "$BATS_FILE_TMPDIR/stick.img@@1M" ::/boot/syslinux/syslinux.cfg |
		sed 's/^\(  APPEND .*\)$/\1 fathom.shell/' > "$BATS_FILE_TMPDIR/syslinux.cfg"
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$BATS_FILE_TMPDIR/stick.img@@1M" "$BATS_FILE_TMPDIR/syslinux.cfg" \
		::/boot/syslinux/syslinux.cfg
	install_disk blank1
	install_disk blank2
	install_disk old 1G
	printf 'label: gpt\nstart=2048, size=20480, type=linux, name="precious"\n' |
		sfdisk -q "$BATS_FILE_TMPDIR/old.img" >/dev/null
	printf 'data the operator wants to keep\n' |
		dd of="$BATS_FILE_TMPDIR/old.img" bs=512 seek=2048 conv=notrunc status=none
	sha256sum "$BATS_FILE_TMPDIR/old.img" "$BATS_FILE_TMPDIR/stick.img" > "$BATS_FILE_TMPDIR/before.sha256"
	export VM_CONSOLE_PORT=4556
	VM_MEDIA=--firmware VM_QEMU_OPTS=$(install_qemu_opts stick:FATHOMSTICK:boot blank1:DISKA blank2:DISKB old:OLDDISK) \
		vm_boot install-refusals
	wait_until "$BOOT_TIMEOUT" grep -q "install: refused" "$CONSOLE" || true
	wait_until "$BOOT_TIMEOUT" grep -q "network: ready" "$CONSOLE" || true
}

@test "install-refusals: auto with two blank disks is refused at boot, naming both" {
	run cat "$CONSOLE"
	assert_output --regexp "install: refused: auto: 2 disks could be meant \(vd[b-d] \(2.0 GiB, serial DISKA\), vd[b-d] \(2.0 GiB, serial DISKB\)\): none touched"
	assert_output --partial "service install: exited with status 1; not restarted"
	# The stick keeps running as the live appliance; netcfg ignores install=.
	assert_output --partial "network: ready"
	refute_output --partial "unknown key"
}

@test "install-refusals: a disk with a partition table and no wipe confirmation is refused" {
	vm_shell "fathom-install --install OLDDISK; echo rc=\$?"
	assert_output --regexp "refused: vd[b-d] \(1.0 GiB, serial OLDDISK\) has 1 partition and a signature: gpt: left untouched; to erase it, add fathom.install.wipe=OLDDISK"
	assert_output --partial "rc=1"
	vm_shell "fathom-install --install OLDDISK --wipe DISKA; echo rc=\$?"
	assert_output --partial "left untouched"
	assert_output --partial "rc=1"
}

@test "install-refusals: the boot medium itself is refused, also with wipe" {
	vm_shell "fathom-install --install FATHOMSTICK --wipe FATHOMSTICK; echo rc=\$?"
	assert_output --regexp "refused: vda \([0-9.]+ MiB, serial FATHOMSTICK\) is the boot medium \(the stick this runs from\): never installing onto it"
	assert_output --partial "rc=1"
}

@test "install-refusals: nothing was written: checksums unchanged, the blank disks still have no blocks" {
	vm_destroy
	run sha256sum -c "$BATS_FILE_TMPDIR/before.sha256"
	assert_success
	[ "$(stat -c %b "$BATS_FILE_TMPDIR/blank1.img")" = 0 ]
	[ "$(stat -c %b "$BATS_FILE_TMPDIR/blank2.img")" = 0 ]
}
