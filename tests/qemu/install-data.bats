#!/usr/bin/env bats
# fathom.data.format=ID on a netbooted machine (kernel and initramfs, no
# stick): the blank disk of that serial gets a GPT with one partition,
# fathom-data, ext4 labelled fathom-data; nothing else on it.

load lib

setup_file() {
	install_disk data
	VM_QEMU_OPTS=$(install_qemu_opts data:DATA1) vm_boot install-data fathom.data.format=DATA1 \
		fathom.ipv4=192.0.2.10/28,192.0.2.1
	wait_until "$BOOT_TIMEOUT" grep -q -e "has a fathom-data partition now" -e "install: refused" "$CONSOLE" || true
}

@test "install-data: fathom.data.format=DATA1 made a fathom-data ext4 partition on that disk" {
	run cat "$CONSOLE"
	assert_output --partial "install: data.format: preparing a fathom-data partition on DATA1"
	assert_output --partial "install: /dev/vda3: ext4 fathom-data made"
	assert_output --partial "install: data.format: /dev/vda has a fathom-data partition now"
	vm_destroy
	run sfdisk --dump "$BATS_FILE_TMPDIR/data.img"
	assert_output --partial 'name="fathom-data"'
	refute_output --partial 'fathom-esp'
	local start
	start=$(sfdisk --dump "$BATS_FILE_TMPDIR/data.img" | sed -n 's/.*start= *\([0-9]*\),.*fathom-data.*/\1/p')
	run blkid -p -O $((start * 512)) -o export "$BATS_FILE_TMPDIR/data.img"
	assert_output --partial "TYPE=ext4"
	assert_output --partial "LABEL=fathom-data"
}

@test "install-data: booted again with the same parameter, the prepared disk is left as it is" {
	# init mounts fathom-data (init/state.c), which changes the file system's
	# counters: "left as it is" is the same table and the same file system.
	local img=$BATS_FILE_TMPDIR/data.img start
	start=$(sfdisk --dump "$img" | sed -n 's/.*start= *\([0-9]*\),.*fathom-data.*/\1/p')
	sfdisk --dump "$img" > "$BATS_FILE_TMPDIR/table.before"
	blkid -p -O $((start * 512)) -s UUID -o value "$img" > "$BATS_FILE_TMPDIR/uuid.before"
	VM_QEMU_OPTS=$(install_qemu_opts data:DATA1) vm_boot install-data-again fathom.data.format=DATA1 \
		fathom.ipv4=192.0.2.10/28,192.0.2.1
	wait_until "$BOOT_TIMEOUT" grep -q "service install: exited" "$CONSOLE"
	run cat "$CONSOLE"
	assert_output --partial "install: data.format: /dev/vda has a fathom-data partition already: left as it is"
	assert_output --partial "service install: exited with status 0"
	vm_destroy
	run diff "$BATS_FILE_TMPDIR/table.before" <(sfdisk --dump "$img")
	assert_success
	run blkid -p -O $((start * 512)) -s UUID -o value "$img"
	assert_output "$(cat "$BATS_FILE_TMPDIR/uuid.before")"
	[ -s "$BATS_FILE_TMPDIR/uuid.before" ]
}
