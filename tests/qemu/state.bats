#!/usr/bin/env bats
# Persistent state (init/state.c): a VM booted as from the network (kernel
# and initramfs in RAM) with a data disk prepared on the host as an
# installer leaves it (GPT partition "fathom-data", ext4 labelled
# fathom-data; sfdisk and mke2fs -E offset, no root needed). Four boots in
# order: the first test on the new disk, a reboot on the same disk (the
# self-signed certificate and the record are still there), the disk filled
# to 100 % (ndt7 still measures, the console says so once), and no disk at
# all (one line: state is in RAM), and a filesystem with an error e2fsck -p
# may not fix (mounted read-only: what was kept is still served).

load lib
load '../ndt7/assert'

CONSOLE_PORT=4557
ARGS="console=ttyS0,115200 fathom.shell fathom.hostname=node1.example.org fathom.ipv4=192.0.2.10/28,192.0.2.1"

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	export DISK=$BATS_FILE_TMPDIR/data.img
	truncate -s 32M "$DISK"
	printf 'label: gpt\nstart=2048, size=61440, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="fathom-data"\n' |
		sfdisk -q "$DISK"
	mke2fs -q -t ext4 -L fathom-data -E offset=$((2048 * 512)) "$DISK" 30M
	NODE_PATH=$("$TOP/tests/ndt7/install-client") || return 1
	export NODE_PATH
	export CLIENT=$TOP/tests/ndt7/client.js PRELOAD=$TOP/tests/ndt7/ws-global.js
}

# Each test boots its own VM: a failing one must not leave it running
# (the next one boots on the same disk).
teardown() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] || show_console
	vm_destroy
}

ndt7_client() {
	in_ns timeout 60 node -r "$PRELOAD" "$CLIENT" "$@"
}

# boot NAME [DISK]: the VM, waited for until ndt7 answers on 443.
boot() {
	export VM_CONSOLE_PORT=$CONSOLE_PORT
	export VM_QEMU_OPTS=${2:+--qemu-arg -drive --qemu-arg if=virtio,format=raw,file=$2}
	# shellcheck disable=SC2086 # words
	vm_boot "$1" $ARGS
	wait_for_ping 192.0.2.10
	wait_until 90 in_ns bash -c 'exec 5<>/dev/tcp/192.0.2.10/443'
}

# The SHA-256 fingerprint of the certificate ndt7 serves on 443.
fingerprint() {
	in_ns timeout 20 openssl s_client -connect 192.0.2.10:443 -servername node1.example.org \
		< /dev/null 2> /dev/null | openssl x509 -noout -fingerprint -sha256
}

# A clean reboot from the rescue shell (QEMU runs with -no-reboot: it exits).
reboot_vm() {
	vm_shell 'reboot' || true
	for _ in $(seq 60); do
		kill -0 "$QEMU_PID" 2>/dev/null || break
		sleep 1
	done
	vm_destroy
}

# console_count TEXT: how many console lines end with TEXT (a regexp).
console_count() {
	tr -d '\r' < "$CONSOLE" | grep -c -- "$1\$"
}

# The partition's filesystem, as a file of its own and back.
fs_out() { dd if="$DISK" of="$BATS_FILE_TMPDIR/fs.img" bs=1M skip=1 count=30 status=none; }
fs_in() { dd if="$BATS_FILE_TMPDIR/fs.img" of="$DISK" bs=1M seek=1 conv=notrunc status=none; }

@test "first boot with a data disk: checked, mounted on /data nodev,nosuid,noexec; ndt7's state there" {
	boot state1 "$DISK"
	run console_count "state: /dev/vda1 (fathom-data) mounted on /data"
	assert_output 1
	refute grep -q "state is in RAM" "$CONSOLE"
	fingerprint > "$BATS_FILE_TMPDIR/fp1"
	cat "$BATS_FILE_TMPDIR/fp1"
	grep -q "^sha256 Fingerprint=" "$BATS_FILE_TMPDIR/fp1"
	run ndt7_client 192.0.2.10:80 ws download
	assert_success
	ndt7_test_ok download BytesAcked
	jq -r .download.firstServer.ConnectionInfo.UUID <<< "$output" > "$BATS_FILE_TMPDIR/uuid"
	sleep 2	# the record is written once the test has ended
	vm_shell 'grep " /data " /proc/mounts; stat -c "%a %u %g %n" /var/lib/ndt7 /var/spool/ndt7 /var/lib/platform /var/lib/platform-tls; ls -1 /data/state/var/lib/ndt7; find /data/state/var/spool/ndt7 -name "*.json"'
	echo "$output"
	assert_line --regexp '^/dev/vda1 /data ext4 rw,nosuid,nodev,noexec'
	assert_line '700 101 101 /var/lib/ndt7'
	assert_line '770 101 101 /var/spool/ndt7'
	assert_line --regexp '^750 102 102 /var/lib/platform$'
	assert_line --regexp '^750 102 104 /var/lib/platform-tls$'
	assert_line 'cert.pem'
	assert_line 'key.pem'
	assert_line --regexp "ndt7-download-.*\.$(cat "$BATS_FILE_TMPDIR/uuid")\.json$"
	reboot_vm
	grep -q "shutdown: reboot now" "$CONSOLE"
}

@test "after a reboot on the same disk: the same certificate, the record still there" {
	[ -s "$BATS_FILE_TMPDIR/fp1" ] || skip "the first boot failed"
	boot state2 "$DISK"
	run console_count "state: /dev/vda1 (fathom-data) mounted on /data"
	assert_output 1
	refute grep -q "tls: generated a self-signed certificate" "$CONSOLE"
	# Remounted read-only at the shutdown above: e2fsck found it clean.
	grep -q "fathom-data: clean" "$CONSOLE"
	refute grep -q "recovering journal" "$CONSOLE"
	run fingerprint
	assert_output "$(cat "$BATS_FILE_TMPDIR/fp1")"
	vm_shell 'find /var/spool/ndt7 -name "*.json"'
	assert_line --regexp "ndt7-download-.*\.$(cat "$BATS_FILE_TMPDIR/uuid")\.json$"
	reboot_vm
}

@test "a full data disk: ndt7 still measures; the console says so once" {
	vm_destroy
	fs_out
	# Its journal replayed if a test above ended with the VM killed.
	e2fsck -fp "$BATS_FILE_TMPDIR/fs.img" || [ $? -le 1 ]
	local free bs
	free=$(dumpe2fs -h "$BATS_FILE_TMPDIR/fs.img" 2>/dev/null | awk -F: '/^Free blocks/ { print $2 + 0 }')
	bs=$(dumpe2fs -h "$BATS_FILE_TMPDIR/fs.img" 2>/dev/null | awk -F: '/^Block size/ { print $2 + 0 }')
	tr '\0' x < /dev/zero | head -c $((free * bs)) > "$BATS_FILE_TMPDIR/filler"
	debugfs -w -R "write $BATS_FILE_TMPDIR/filler filler" "$BATS_FILE_TMPDIR/fs.img"
	rm "$BATS_FILE_TMPDIR/filler"
	# What is left (the filler's own extent blocks took some) is less
	# than a record: debugfs stops when no block is left.
	free=$(dumpe2fs -h "$BATS_FILE_TMPDIR/fs.img" 2>/dev/null | awk -F: '/^Free blocks/ { print $2 + 0 }')
	echo "free blocks: $free"
	[ "$free" -lt 16 ]
	fs_in
	boot state3 "$DISK"
	run console_count "state: /dev/vda1 (fathom-data) mounted on /data"
	assert_output 1
	for _ in 1 2; do
		run ndt7_client 192.0.2.10:80 ws download
		assert_success
		ndt7_test_ok download BytesAcked
	done
	wait_until 10 grep -q "disk full" "$CONSOLE"
	run grep -c "spool /var/spool/ndt7: disk full: results are not saved" "$CONSOLE"
	assert_output 1
	run grep -c "disk full" "$CONSOLE"
	assert_output 1
	refute grep -q "service ndt7: exited" "$CONSOLE"
	vm_destroy
}

@test "no data disk: one line says state is in RAM; ndt7 runs with a certificate in RAM" {
	boot state4
	run console_count "state: no fathom-data partition: state is in RAM and lost at reboot"
	assert_output 1
	refute grep -q "mounted on /data" "$CONSOLE"
	grep -q "tls: generated a self-signed certificate" "$CONSOLE"
	vm_destroy
}

@test "errors e2fsck -p leaves: one line, /data read-only, ndt7 serves the certificate it kept" {
	[ -s "$BATS_FILE_TMPDIR/fp1" ] || skip "the first boot failed"
	fs_out
	e2fsck -fp "$BATS_FILE_TMPDIR/fs.img" || [ $? -le 1 ]
	# A file whose extent header is broken, and the superblock saying the
	# filesystem has errors (so that -p checks it): exit 4 on the host too.
	echo broken > "$BATS_FILE_TMPDIR/f"
	debugfs -w -R "rm filler" "$BATS_FILE_TMPDIR/fs.img"
	debugfs -w -R "write $BATS_FILE_TMPDIR/f broken" "$BATS_FILE_TMPDIR/fs.img"
	debugfs -w -R "set_inode_field broken block[0] 1" "$BATS_FILE_TMPDIR/fs.img"
	debugfs -w -R "ssv state 2" "$BATS_FILE_TMPDIR/fs.img"
	cp "$BATS_FILE_TMPDIR/fs.img" "$BATS_FILE_TMPDIR/fs-copy.img"
	run e2fsck -p "$BATS_FILE_TMPDIR/fs-copy.img"
	[ "$status" -ge 4 ]
	fs_in
	boot state5 "$DISK"
	run console_count "state: e2fsck -p /dev/vda1: errors left uncorrected; mounting it read-only .*"
	assert_output 1
	run console_count "state: /dev/vda1 (fathom-data) mounted on /data read-only"
	assert_output 1
	run fingerprint
	assert_output "$(cat "$BATS_FILE_TMPDIR/fp1")"
	vm_shell 'grep " /data " /proc/mounts'
	assert_line --regexp '^/dev/vda1 /data ext4 ro,nosuid,nodev,noexec'
	# It measures, and says once that results are not saved.
	run ndt7_client 192.0.2.10:80 ws download
	assert_success
	ndt7_test_ok download BytesAcked
	run grep -c "spool /var/spool/ndt7: read-only file system: results are not saved" "$CONSOLE"
	assert_output 1
	refute grep -q "service ndt7: exited" "$CONSOLE"
}
