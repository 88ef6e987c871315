#!/usr/bin/env bats
# `make machines MEDIA=installer`: per-machine installer sticks whose
# fathom.conf carries install= (and install.wipe=) from the inventory's
# install_disk (install_wipe) columns, checked as an operator would: the
# file on the stick, refusals with file:line, the signature. Documentation
# prefixes only; nothing is installed here (tests/qemu/install-*.bats do).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup_file() {
	export OUTDIR=${FATHOM_OUT:-$BATS_TEST_DIRNAME/../../out}
	export BOARD=${FATHOM_BOARD:-qemu-x86_64}
	export TOP=$BATS_TEST_DIRNAME/../..
	export BASE=http://192.0.2.1/fathom
	export INV=$BATS_FILE_TMPDIR/fleet.csv
	printf '%s\n' "hostname,ipv4,ipv4_gateway,ipv6,install_disk,install_wipe" \
		"inst-a.example.org,192.0.2.20/28,192.0.2.17,2001:db8:a::20/64,/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001,/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001" \
		"inst-b.example.org,198.51.100.20/28,198.51.100.17,,auto," > "$INV"
	export O=$BATS_FILE_TMPDIR/o
	image_in "$O"
	export MACHINES=$O/$BOARD/machines
	make -C "$TOP" O="$O" BOARD="$BOARD" INVENTORY="$INV" BASE_URL="$BASE" MEDIA=installer \
		machines > "$BATS_FILE_TMPDIR/make.log" 2>&1 || { cat "$BATS_FILE_TMPDIR/make.log" >&2; return 1; }
}

# A new O= holding the image already built (as in machines.bats).
image_in() {
	mkdir -p "$1"
	cp -a "$OUTDIR/build" "$OUTDIR/$BOARD" "$1/"
	rm -rf "$1/$BOARD/machines"
}

stick_conf() {
	MTOOLS_SKIP_CHECK=1 mtype -i "$1@@1M" ::/fathom.conf
}

@test "each machine's installer.img carries its installer.conf as fathom.conf: network settings, then install= (and install.wipe=)" {
	run cat "$BATS_FILE_TMPDIR/make.log"
	assert_output --partial "MEDIA   $MACHINES/inst-a.example.org/installer.img"
	d=$MACHINES/inst-a.example.org
	run stick_conf "$d/installer.img"
	assert_success
	assert_output "$(cat "$d/installer.conf")"
	assert_line "ipv4=192.0.2.20/28,192.0.2.17"
	assert_line "ipv6=2001:db8:a::20/64"
	assert_line "hostname=inst-a.example.org"
	assert_line "install=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001"
	assert_line "install.wipe=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001"
	# installer.conf is network.conf and the install lines after it.
	[ "$(head -n "$(wc -l < "$d/network.conf")" "$d/installer.conf")" = "$(cat "$d/network.conf")" ]
	run stick_conf "$MACHINES/inst-b.example.org/installer.img"
	assert_line "ipv4=198.51.100.20/28,198.51.100.17"
	assert_line "install=auto"
	refute_output --partial "install.wipe"
	# The stick has what the installer copies to the disk: the same image.
	MTOOLS_SKIP_CHECK=1 mcopy -n -i "$d/installer.img@@1M" ::/boot/install/grubx64.efi "$BATS_TEST_TMPDIR/grub.efi"
	MTOOLS_SKIP_CHECK=1 mcopy -n -i "$d/installer.img@@1M" ::/boot/vmlinuz "$BATS_TEST_TMPDIR/vmlinuz"
	cmp "$O/$BOARD/vmlinuz" "$BATS_TEST_TMPDIR/vmlinuz"
}

@test "install= never reaches a netbooted machine: not in network.conf, config.cpio or boot.ipxe" {
	for h in inst-a inst-b; do
		d=$MACHINES/$h.example.org
		run grep -l install "$d/network.conf" "$d/boot.ipxe"
		assert_failure
		run sh -c "cd '$BATS_TEST_TMPDIR' && cpio -i --to-stdout --quiet etc/fathom/network.conf < '$d/config.cpio'"
		assert_success
		refute_output --partial install
	done
}

@test "the installer files are signed with the rest: verify passes, then names a changed installer.conf" {
	run cut -d' ' -f3 "$MACHINES/SHA256SUMS"
	assert_line inst-a.example.org/installer.conf
	assert_line inst-a.example.org/installer.img
	run "$TOP/scripts/verify" "$O/$BOARD"
	assert_success
	assert_output --partial "OK, machines/ too"
	copy=$BATS_TEST_TMPDIR/copy
	cp -a "$O/$BOARD" "$copy"
	sed -i 's/^install.wipe=.*/install.wipe=OTHERDISK/' "$copy/machines/inst-a.example.org/installer.conf"
	run "$TOP/scripts/verify" "$copy"
	assert_failure 1
	assert_output --partial "$copy/machines/inst-a.example.org/installer.conf: sha256 differs from SHA256SUMS"
}

@test "bad install columns are refused with file:line, nothing written for that machine, the others are, exit 1" {
	out=$BATS_TEST_TMPDIR/bad
	image_in "$out"
	cat > "$BATS_TEST_TMPDIR/bad.csv" <<-'CSV'
	hostname,ipv4,install_disk,install_wipe
	good1.example.org,192.0.2.2/28,FATHOMDISK1,
	bad1.example.org,192.0.2.3/28,/dev/sda,
	bad2.example.org,192.0.2.4/28,FATHOMDISK1,FATHOMDISK2
	bad3.example.org,192.0.2.5/28,,
	bad4.example.org,192.0.2.6/28,,FATHOMDISK1
	CSV
	run make -s -C "$TOP" O="$out" BOARD="$BOARD" INVENTORY="$BATS_TEST_TMPDIR/bad.csv" \
		BASE_URL="$BASE" MEDIA=installer machines
	assert_failure
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/bad.csv:3: install_disk: \"/dev/sda\": kernel names such as /dev/sda change between boots: expected the disk's serial, WWN or /dev/disk/by-id name, or auto"
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/bad.csv:4: install_wipe: \"FATHOMDISK2\": must repeat install_disk (\"FATHOMDISK1\") to let the installer erase that disk, or be empty"
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/bad.csv:5: install_disk: missing: an installer stick (MEDIA=installer) installs onto the disk it names"
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/bad.csv:6: install_wipe: given without install_disk"
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/bad.csv: 4 bad rows; wrote the other 1 machines"
	run ls "$out/$BOARD/machines"
	assert_output "$(printf 'IMAGE\nSHA256SUMS\nSHA256SUMS.sig\ngood1.example.org')"
	run stick_conf "$out/$BOARD/machines/good1.example.org/installer.img"
	assert_line "install=FATHOMDISK1"
}

@test "without MEDIA=installer: no installer.conf, a row without install_disk is fine, a bad install_disk still refused" {
	out=$BATS_TEST_TMPDIR/plain
	image_in "$out"
	printf '%s\n' "hostname,ipv4,install_disk" "p1.example.org,192.0.2.2/28," \
		"p2.example.org,192.0.2.3/28,FATHOMDISK1" "p3.example.org,192.0.2.4/28,disk*" > "$BATS_TEST_TMPDIR/plain.csv"
	run make -s -C "$TOP" O="$out" BOARD="$BOARD" INVENTORY="$BATS_TEST_TMPDIR/plain.csv" \
		BASE_URL="$BASE" machines
	assert_failure
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/plain.csv:4: install_disk: \"disk*\": expected the disk's serial, WWN or /dev/disk/by-id name"
	run ls "$out/$BOARD/machines/p1.example.org" "$out/$BOARD/machines/p2.example.org"
	refute_output --partial installer
	[ ! -e "$out/$BOARD/machines/p3.example.org" ]
}

@test "a JSON inventory's install_disk and install_wipe give the same installer.conf as the CSV" {
	out=$BATS_TEST_TMPDIR/json
	image_in "$out"
	cat > "$BATS_TEST_TMPDIR/fleet.json" <<-'JSON'
	[ { "hostname": "inst-a.example.org", "ipv4": "192.0.2.20/28", "ipv4_gateway": "192.0.2.17",
	    "ipv6": "2001:db8:a::20/64", "install_disk": "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001",
	    "install_wipe": "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001" },
	  { "install_disk": "auto", "hostname": "inst-b.example.org", "ipv4": "198.51.100.20/28",
	    "ipv4_gateway": "198.51.100.17" } ]
	JSON
	run make -s -C "$TOP" O="$out" BOARD="$BOARD" INVENTORY="$BATS_TEST_TMPDIR/fleet.json" \
		BASE_URL="$BASE" MEDIA=installer machines
	assert_success
	for h in inst-a inst-b; do
		cmp "$MACHINES/$h.example.org/installer.conf" "$out/$BOARD/machines/$h.example.org/installer.conf"
		cmp "$MACHINES/$h.example.org/installer.img" "$out/$BOARD/machines/$h.example.org/installer.img"
	done
}

@test "MEDIA with an unknown kind names installer among the kinds" {
	key=$(dirname "$("$TOP/scripts/keys")")/fathom.key
	run env MKMACHINES="$O/build/host/mkmachines" SIGNING_KEY="$key" MEDIA=stick \
		"$TOP/scripts/machines" "$TOP/boards/$BOARD" "$O/build" "$O/$BOARD" "$INV" "$BASE"
	assert_failure 2
	assert_output --partial "make machines: MEDIA: stick: expected usb, iso, ipxe-usb, ipxe-iso or installer"
}
