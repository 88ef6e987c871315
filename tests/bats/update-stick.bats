#!/usr/bin/env bats
# fathom-update's watch for sticks on the host (services/update/stick*.c),
# on a fake sysfs and /dev tree (--stick-root): which machines watch at
# all, update.stick-interval, and that a stick is reported once while it
# stays in and again when it comes back. The host's kernel may lack vfat,
# and the fake device is a plain file: mounting it fails, which is one
# line per insertion. A bundle taken from a real stick is tested in QEMU
# (tests/qemu/update-stick.bats). Every process started here is stopped by
# its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../ndt7/assert'

setup_file() {
	export TOP=$BATS_TEST_DIRNAME/../..
	export OUTDIR=${FATHOM_OUT:-$TOP/out}
	export BOARD=${FATHOM_BOARD:-qemu-x86_64}
	export D=$BATS_FILE_TMPDIR
	make -s -C "$TOP" O="$OUTDIR" BOARD="$BOARD" fathom-update > "$D/make.log" 2>&1 ||
		{ cat "$D/make.log" >&2; return 1; }
	export UPD=$OUTDIR/build/$BOARD/fathom-update
	echo "2000 v2.0" > "$D/running"
	echo "console=ttyS0 fathom.slot=A fathom.media=0123456789abcdef" > "$D/installed"
}

teardown() {
	if [ -n "${PID:-}" ]; then
		kill "$PID" 2> /dev/null || true
		wait "$PID" 2> /dev/null || true
	fi
}

# A fake tree in $R: sys/ with a stick sdz (USB, removable) holding a FAT
# file system on the whole disk (its first sector in dev/sdz).
R=
stick_tree() {
	R=$BATS_TEST_TMPDIR/root
	local d=$R/sys/devices/pci0/usb1/1-1/host6/block/sdz
	mkdir -p "$d" "$R/sys/class/block" "$R/dev"
	echo 1 > "$d/removable"
	echo 16384 > "$d/size"
	head -c 4096 /dev/zero > "$R/dev/sdz"
	printf 'FAT32   ' | dd of="$R/dev/sdz" bs=1 seek=$((0x52)) conv=notrunc status=none
	printf '\x55\xaa' | dd of="$R/dev/sdz" bs=1 seek=510 conv=notrunc status=none
	plug
}

plug() {
	ln -s ../../devices/pci0/usb1/1-1/host6/block/sdz "$R/sys/class/block/sdz"
}

unplug() {
	rm "$R/sys/class/block/sdz"
}

# The service in the background (PID), its lines in $BATS_TEST_TMPDIR/log.
serve() {
	"$UPD" --version-file "$D/running" --stage "$BATS_TEST_TMPDIR/stage" --esp "$BATS_TEST_TMPDIR/esp" \
		--cmdline "$D/installed" --stick-root "$R" "$@" > "$BATS_TEST_TMPDIR/log" 2>&1 3>&- &
	PID=$!
}

# wait_lines N PATTERN: until the log has N lines matching (10 s at most).
wait_lines() {
	local _
	for _ in $(seq 100); do
		[ "$(grep -c -- "$2" "$BATS_TEST_TMPDIR/log")" -ge "$1" ] && return 0
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/log"
	return 1
}

@test "without update.url an installed machine keeps watching for sticks; a netbooted one has nothing to do" {
	stick_tree
	unplug
	serve
	wait_lines 1 "looking for"
	sleep 1.5
	kill -0 "$PID"
	run cat "$BATS_TEST_TMPDIR/log"
	assert_output "update: looking for a stick with /fathom-update/ every 10 s"
	kill "$PID"
	# With --status-file: the line fathom-status shows (its directory made).
	mkdir "$BATS_TEST_TMPDIR/run"
	serve --status-file "$BATS_TEST_TMPDIR/run/update/status"
	for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/run/update/status" ] && break; sleep 0.1; done
	kill "$PID"
	run cat "$BATS_TEST_TMPDIR/run/update/status"
	assert_output --regexp "^update: version 2000 \(v2\.0\) in slot [AB]; no update\.url; sticks looked for every 10 s$"
	# With an update.url nothing answers: checked, failed, and when next.
	read -r port _ _ < <(free_ports)
	run timeout 5 "$UPD" --version-file "$D/running" --stage "$BATS_TEST_TMPDIR/stage" \
		--cmdline /dev/null --url "https://127.0.0.1:$port/update/" --interval 3600 \
		--status-file "$BATS_TEST_TMPDIR/status2"
	assert_failure 124
	assert_output --regexp "^update: https://127\.0\.0\.1:$port/update/SHA256SUMS: .*; nothing written, next try in 3600 s$"
	refute_output --partial "update: refused"
	run cat "$BATS_TEST_TMPDIR/status2"
	assert_output --regexp "^update: version 2000 \(v2\.0\); update\.url checked [0-2][0-9]:[0-5][0-9] UTC: failed \(see the console\), next [0-2][0-9]:[0-5][0-9] UTC$"
	# Not installed (no fathom.slot=), --esp auto: nothing to write, as before.
	echo "console=ttyS0" > "$BATS_TEST_TMPDIR/netboot"
	run timeout 10 "$UPD" --version-file "$D/running" --cmdline "$BATS_TEST_TMPDIR/netboot" --esp auto \
		--stick-root "$R"
	assert_success
	assert_output "update: no update.url set and no --from DIR: nothing to do"
	# Sticks off.
	run timeout 10 "$UPD" --version-file "$D/running" --cmdline "$D/installed" --esp auto --stick-interval off
	assert_success
	assert_output "update: no update.url set and no --from DIR: nothing to do"
}

@test "--stick-interval and update.stick-interval: seconds or off; a bad value is refused or ignored with a line" {
	run "$UPD" --stick-interval 0
	assert_failure 2
	assert_line --index 0 "update: --stick-interval 0: not a valid value"
	run "$UPD" --stick-interval soon
	assert_failure 2
	echo "fathom.update.stick-interval=soon" > "$BATS_TEST_TMPDIR/cmd"
	run timeout 10 "$UPD" --version-file "$D/running" --settings update --cmdline "$BATS_TEST_TMPDIR/cmd" \
		--from /nonexistent
	assert_line --index 0 "update: settings: kernel command line: update.stick-interval: not off or 1-2592000 seconds; ignored"
	# update.stick-interval=off from the settings: nothing to do.
	echo "fathom.slot=A fathom.update.stick-interval=off" > "$BATS_TEST_TMPDIR/cmd"
	run timeout 10 "$UPD" --version-file "$D/running" --settings update --cmdline "$BATS_TEST_TMPDIR/cmd" --esp auto
	assert_success
	assert_output "update: no update.url set and no --from DIR: nothing to do"
	# update.stick-interval=1: the service says so.
	stick_tree
	unplug
	echo "fathom.slot=A fathom.update.stick-interval=1" > "$BATS_TEST_TMPDIR/cmd"
	serve --settings update --cmdline "$BATS_TEST_TMPDIR/cmd"
	wait_lines 1 "looking for a stick with /fathom-update/ every 1 s"
}

@test "a stick is reported once while it stays in, and again when it is plugged in again" {
	stick_tree
	serve --stick-interval 1
	wait_lines 1 "/dev/sdz: mount"
	sleep 3.5	# three more looks at the stick
	run grep -c "/dev/sdz" "$BATS_TEST_TMPDIR/log"
	assert_output 1
	run grep "/dev/sdz" "$BATS_TEST_TMPDIR/log"
	assert_output --regexp "^update: $R/dev/sdz: mount $R/dev/sdz \(vfat\) read-only on $R/mnt: .+; no update taken from it\$"
	unplug
	sleep 2
	plug
	wait_lines 2 "/dev/sdz: mount"
	sleep 2
	run grep -c "/dev/sdz" "$BATS_TEST_TMPDIR/log"
	assert_output 2
	# Not a stick: the same device on a fixed disk is never looked at.
	kill "$PID"
	wait "$PID" || true
	echo 0 > "$R/sys/devices/pci0/usb1/1-1/host6/block/sdz/removable"
	mkdir -p "$R/sys/devices/pci0/virtio1/block"
	mv "$R/sys/devices/pci0/usb1/1-1/host6/block/sdz" "$R/sys/devices/pci0/virtio1/block/"
	unplug
	ln -s ../../devices/pci0/virtio1/block/sdz "$R/sys/class/block/sdz"
	serve --stick-interval 1
	wait_lines 1 "looking for"
	sleep 2
	run grep -c "/dev/sdz" "$BATS_TEST_TMPDIR/log"
	assert_output 0
}
