#!/usr/bin/env bats
# An update from a stick on a disk installed under BIOS (SeaBIOS): no
# console, no URL; the operator only plugs in a USB stick (a FAT file
# system on the whole stick, made with mtools) holding /fathom-update/.
#  boot 1: the stick's bundle is signed with another key: one refusal
#          line, every file of the ESP unchanged;
#  boot 2: booted without a stick; once the update service runs, a stick
#          with a newer bundle signed with the image's key is plugged in
#          (QEMU's monitor): one line for the stick, "written to slot B",
#          and the machine reboots into it by itself (update.reboot=now);
#          on the powered-off disk grubenv has fathom_try=B and slot B the
#          new VERSION;
#  boot 3: slot B under BIOS, the stick still in: committed (fathom_slot=B);
#          the stick's bundle is this image's version: one line; a second
#          stick with an older bundle plugged in: one line, nothing
#          written; no more lines while both sticks stay in.
# The good bundle is signed with the key the image trusts (make's
# UPDATE_KEY, by default ~/.cache/fathom/update.key); the test skips when
# that key is not at hand.

load lib

ESP_OFF=$((2048 * 512))

esp() {
	MTOOLS_SKIP_CHECK=1 "$@"
}

# update_stick NAME "NUMBER DESCRIPTION" KEY: NAME.img, a FAT stick with
# a bundle of the built image in /fathom-update/.
update_stick() {
	local img=$BATS_FILE_TMPDIR/$1.img dir=$BATS_FILE_TMPDIR/$1.bundle
	echo "$2" > "$BATS_FILE_TMPDIR/version.tmp"
	"$TOP/scripts/update-bundle" "$OUTDIR/$BOARD" "$BATS_FILE_TMPDIR/version.tmp" "$3" "$dir"
	truncate -s 64M "$img"
	esp mformat -i "$img" -v UPDATE ::
	esp mmd -i "$img" ::/fathom-update
	esp mcopy -i "$img" "$dir"/* ::/fathom-update/
}

# disk_boot BOOT [STICK]: boot the installed disk (the firmware's first)
# with an xHCI controller, as a server's front port, and STICK.img in it.
disk_boot() {
	local opts
	opts="$(install_qemu_opts disk:FATHOMDISK1:boot) --device qemu-xhci,id=xhci"
	[ -z "${2:-}" ] || opts="$opts --qemu-arg -drive --qemu-arg if=none,id=ustick,format=raw,file=$BATS_FILE_TMPDIR/$2.img \
--device usb-storage,bus=xhci.0,drive=ustick"
	VM_MEDIA=--firmware VM_QEMU_OPTS=$opts vm_boot "$1"
	BOOT_START=$(date +%s)
}

# Plug STICK.img into the running machine's xHCI port.
plug_stick() {
	vm_monitor "drive_add 0 if=none,id=hot-$1,format=raw,file=$BATS_FILE_TMPDIR/$1.img"
	vm_monitor "device_add usb-storage,bus=xhci.0,drive=hot-$1,id=dev-$1"
}

# No kernel I/O errors once the update service looks for sticks (an empty
# CD drive must not be read every round).
no_io_errors_after_watch() {
	run sed -n '/update: looking for a stick/,$p' "$1"
	assert_output --partial "looking for a stick"
	refute_output --partial "I/O error"
}

# Wait (bounded) for QEMU to exit, then clean up.
wait_power_off() {
	local deadline=$(( $(date +%s) + $1 ))
	while ! vm_exited && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
	vm_destroy
	export QEMU_PID=
}

# The sha256 of every file on the powered-off disk's ESP, into FILE.
esp_sums() {
	rm -rf "$BATS_FILE_TMPDIR/esp-copy"
	mkdir "$BATS_FILE_TMPDIR/esp-copy"
	esp mcopy -s -n -i "$BATS_FILE_TMPDIR/disk.img@@$ESP_OFF" ::/ "$BATS_FILE_TMPDIR/esp-copy/"
	(cd "$BATS_FILE_TMPDIR/esp-copy" && find . -type f | sort | xargs sha256sum) > "$1"
}

log() {
	echo "$*" >> "$BATS_FILE_TMPDIR/steps.log"
}

setup_file() {
	local key=${UPDATE_KEY:-${XDG_CACHE_HOME:-$HOME/.cache}/fathom/update.key} n t0 plugged
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	if ! openssl pkey -in "$key" -pubout 2>/dev/null | cmp -s - "$OUTDIR/build/$BOARD/update.pub"; then
		skip "the image's update key ($key, UPDATE_KEY=) is not at hand"
	fi
	t0=$(date +%s)
	install_stick "install=FATHOMDISK1"
	install_disk disk
	VM_MEDIA="--usb $BATS_FILE_TMPDIR/stick.img" VM_QEMU_OPTS=$(install_qemu_opts disk:FATHOMDISK1) \
		vm_boot update-stick-install
	wait_until 600 grep -q "install: done" "$CONSOLE" || true
	wait_power_off 60
	log "install: $(( $(date +%s) - t0 )) s"
	# The version the disk runs, as the installer wrote it (out/build's
	# version file follows the work tree's last commit, the image may not).
	read -r n _ < <(esp mtype -i "$BATS_FILE_TMPDIR/disk.img@@$ESP_OFF" ::/fathom/A/VERSION)
	export RUNNING=$n GOOD=$((n + 300))
	(umask 077 && openssl genpkey -algorithm ed25519 -out "$BATS_FILE_TMPDIR/other.key" 2>/dev/null)
	update_stick wrongkey "$GOOD stick-wrongkey" "$BATS_FILE_TMPDIR/other.key"
	update_stick good "$GOOD stick-good" "$key"
	update_stick older "$((n - 1)) stick-older" "$key"
	esp_sums "$BATS_FILE_TMPDIR/sums-before"

	# Boot 1: the wrong key's stick.
	disk_boot update-stick-wrong wrongkey
	export CONSOLE_WRONG=$CONSOLE
	wait_until 180 grep -q "update: .*nothing written" "$CONSOLE" || true
	log "boot 1: power-on to the refusal $(( $(date +%s) - BOOT_START )) s"
	sleep 12	# one more look at the stick
	vm_monitor quit
	wait_power_off 30
	esp_sums "$BATS_FILE_TMPDIR/sums-after-wrong"

	# Boot 2: the good stick plugged in while the machine runs; it
	# reboots into slot B by itself.
	disk_boot update-stick-good
	export CONSOLE_GOOD=$CONSOLE
	wait_until 120 grep -q "update: looking for a stick" "$CONSOLE" || true
	sleep 2
	plug_stick good
	plugged=$(date +%s)
	log "boot 2: stick plugged in $(( plugged - BOOT_START )) s after power-on"
	wait_until 240 grep -q "written to slot B" "$CONSOLE" || true
	log "boot 2: stick plugged in to slot B written $(( $(date +%s) - plugged )) s"
	wait_power_off 120
	log "boot 2: stick plugged in to the machine's own reboot $(( $(date +%s) - plugged )) s"
	esp mtype -i "$BATS_FILE_TMPDIR/disk.img@@$ESP_OFF" ::/boot/grub/grubenv > "$BATS_FILE_TMPDIR/env-armed"
	esp mtype -i "$BATS_FILE_TMPDIR/disk.img@@$ESP_OFF" ::/fathom/B/VERSION > "$BATS_FILE_TMPDIR/version-b"

	# Boot 3: slot B (BIOS), the good stick still in; then the older one.
	disk_boot update-stick-b good
	export CONSOLE_B=$CONSOLE
	wait_until 180 grep -q "update: slot B healthy: committed" "$CONSOLE" || true
	log "boot 3: slot B power-on to committed $(( $(date +%s) - BOOT_START )) s"
	wait_until 60 grep -q "(stick-good) found on the stick" "$CONSOLE" || true
	plug_stick older
	wait_until 60 grep -q "stick-older" "$CONSOLE" || true
	# Two more looks at both sticks left in.
	sleep 22
	vm_monitor quit || true
	wait_power_off 30
	esp mtype -i "$BATS_FILE_TMPDIR/disk.img@@$ESP_OFF" ::/boot/grub/grubenv > "$BATS_FILE_TMPDIR/env-committed"
	log "whole file: $(( $(date +%s) - t0 )) s"
	sed 's/^/# update-stick: /' "$BATS_FILE_TMPDIR/steps.log" >&3
}

@test "update-stick: a stick signed with another key: one refusal line, the ESP unchanged" {
	CONSOLE=$CONSOLE_WRONG
	run cat "$CONSOLE_WRONG"
	assert_output --partial "update: looking for a stick with /fathom-update/ every 10 s"
	assert_output --regexp "update: /dev/sd[a-z]: bundle version $GOOD \(stick-wrongkey\) found on the stick"
	assert_output --regexp "update: refused: /run/fathom/stick/fathom-update/SHA256SUMS.sig: signature does not verify with /etc/fathom/update.pub: .*; nothing written"
	refute_output --partial "written to slot"
	run grep -c "SHA256SUMS.sig: signature does not verify" "$CONSOLE_WRONG"
	assert_output 1
	run grep -c "found on the stick" "$CONSOLE_WRONG"
	assert_output 1
	run grep -c "fathom/A/vmlinuz" "$BATS_FILE_TMPDIR/sums-before"
	assert_output 1
	cmp "$BATS_FILE_TMPDIR/sums-before" "$BATS_FILE_TMPDIR/sums-after-wrong"
	no_io_errors_after_watch "$CONSOLE_WRONG"
}

@test "update-stick: a newer bundle on a stick plugged in later is written to slot B once, armed (fathom_try=B), and the machine reboots into it" {
	CONSOLE=$CONSOLE_GOOD
	run cat "$CONSOLE_GOOD"
	assert_output --regexp "update: /dev/sd[a-z]: bundle version $GOOD \(stick-good\) found on the stick"
	assert_output --partial "update: version $GOOD (stick-good) checked and staged in /var/lib/update/staged"
	assert_output --partial "update: version $GOOD (stick-good) written to slot B of /run/fathom/esp"
	assert_output --partial "update: rebooting now to try slot B (update.reboot=now)"
	run grep -c "(stick-good) found on the stick" "$CONSOLE_GOOD"
	assert_output 1
	no_io_errors_after_watch "$CONSOLE_GOOD"
	run cat "$BATS_FILE_TMPDIR/env-armed"
	assert_output --partial "fathom_slot=A"
	assert_output --partial "fathom_try=B"
	run cat "$BATS_FILE_TMPDIR/version-b"
	assert_output "$GOOD stick-good"
}

@test "update-stick: slot B boots under BIOS and is committed; the stick left in and an older one are one line each, nothing written" {
	CONSOLE=$CONSOLE_B
	run cat "$CONSOLE_B"
	assert_output --partial "network: ready"
	assert_output --partial "update: slot B healthy: committed, it is the default boot now"
	run grep "stick-good" "$CONSOLE_B"
	assert_output --regexp "update: /dev/sd[a-z]: bundle version $GOOD \(stick-good\) found on the stick is the same as this image's $GOOD \(.*\): nothing to take, nothing written; the stick may stay in"
	run grep -c "found on the stick" "$CONSOLE_B"
	assert_output 2
	run grep "stick-older" "$CONSOLE_B"
	assert_output --regexp "^fathom: update: update: /dev/sd[a-z]: bundle version $((RUNNING - 1)) \(stick-older\) found on the stick is older than this image's $GOOD \(.*\): nothing to take, nothing written; the stick may stay in.?\$"
	refute_output --partial "written to slot"
	no_io_errors_after_watch "$CONSOLE_B"
	run cat "$BATS_FILE_TMPDIR/env-committed"
	assert_output --partial "fathom_slot=B"
	refute_output --regexp "fathom_try=[AB]"
}
