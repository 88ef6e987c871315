#!/usr/bin/env bats
# Signed A/B updates end to end on a disk installed under UEFI (OVMF with
# persistent variables), one install and several boots of it in sequence:
#  boot A: bundles fetched over HTTPS from the test's namespace: another
#          key, a flipped byte, an older version are refused and the ESP is
#          unchanged; then a newer bundle goes to slot B, whose fathom.conf
#          the test then edits on the powered-off disk (a test hook:
#          fathom.iface names a NIC the machine lacks, so "network: ready"
#          never comes);
#  boot B: tried once, unhealthy: the commit service reboots at its
#          deadline (update.health-deadline=60);
#  boot A: back by itself; a good bundle's write to slot B is cut by a
#          power cut (QEMU quit, the disk's writes throttled);
#  boot A: still slot A; update.service (update.url, polled every 15 s)
#          finds the good bundle published, writes slot B and reboots into
#          it by itself (update.reboot's default, now);
#  boot B: healthy, committed: grubenv on the powered-off disk has
#          fathom_slot=B.
# The good bundles are signed with the key the image trusts (make's
# UPDATE_KEY, by default ~/.cache/fathom/update.key); the test skips when
# that key is not at hand.

load lib

ESP_OFF=$((2048 * 512))
VM_CONSOLE_PORT=5555

esp() {
	MTOOLS_SKIP_CHECK=1 "$@"
}

# bundle DIR "NUMBER DESCRIPTION" KEY: a bundle of the built image.
bundle() {
	echo "$2" > "$BATS_FILE_TMPDIR/version.tmp"
	"$TOP/scripts/update-bundle" "$OUTDIR/$BOARD" "$BATS_FILE_TMPDIR/version.tmp" "$3" "$1"
}

# The HTTPS server in the VM's namespace on 192.0.2.1:8443, serving www/.
https_server() {
	ip netns exec "$NS" timeout 900 python3 -c '
import http.server, ssl, sys, functools
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.ThreadingHTTPServer(("192.0.2.1", 8443), h)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[2], sys.argv[3])
s.socket = c.wrap_socket(s.socket, server_side=True)
print("ready", flush=True); s.serve_forever()' "$BATS_FILE_TMPDIR/www" \
		"$BATS_FILE_TMPDIR/srv.pem" "$BATS_FILE_TMPDIR/srv.key" >> "$BATS_FILE_TMPDIR/srv.log" 2>&1 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/srv.pid"
	wait_until 20 grep -q '^ready' "$BATS_FILE_TMPDIR/srv.log"
}

# The same directory over plain HTTP (192.0.2.1:8080), for the VM's wget:
# the image's busybox httpd, as tests/qemu/lib.bash's pxe_servers.
http_server() {
	local bb
	bb=$(awk '$1 == "file" && $2 == "/bin/busybox" { print $3 }' \
		"$OUTDIR/build/$BOARD/initramfs.manifest")
	ip netns exec "$NS" timeout 900 "$bb" httpd -f -p 192.0.2.1:8080 -h "$BATS_FILE_TMPDIR/www" 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/httpd.pid"
}

https_server_stop() {
	local f
	for f in srv httpd; do
		[ -f "$BATS_FILE_TMPDIR/$f.pid" ] || continue
		kill "$(cat "$BATS_FILE_TMPDIR/$f.pid")" 2>/dev/null || true
		rm -f "$BATS_FILE_TMPDIR/$f.pid"
	done
}

# The HTTPS server's certificate into the VM, as /tmp/ca.pem. (vm_shell's
# commands print something: its filter fails on no output.)
put_ca() {
	vm_shell "printf '%s\n' $(sed "s/.*/'&'/" "$BATS_FILE_TMPDIR/srv.pem" | tr '\n' ' ') > /tmp/ca.pem; echo ca: \$(wc -l < /tmp/ca.pem) lines"
}

# Send a line to the VM's shell without waiting for it to finish.
vm_send() {
	# shellcheck disable=SC2016 # expanded by that bash
	in_ns bash -c 'exec 5<>/dev/tcp/127.0.0.1/$1 && printf "%s\n" "$2" >&5 && sleep 0.5' _ \
		"$VM_CONSOLE_PORT" "$1"
}

# Boot the installed disk (no stick) as boot NAME.
disk_boot() {
	VM_MEDIA=--firmware VM_QEMU_OPTS=$(install_qemu_opts disk:FATHOMDISK1) vm_boot "$1"
	BOOT_START=$(date +%s)
}

# Wait (bounded) for QEMU to exit (a reboot: -no-reboot), then clean up.
wait_power_off() {
	local deadline=$(( $(date +%s) + $1 ))
	while ! vm_exited && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
	https_server_stop
	vm_destroy
	export QEMU_PID=
}

# fetch DIR [OPTIONS]: fathom-update in the VM, the bundle from
# https://192.0.2.1:8443/DIR/, staged in RAM; prints its lines and rc=N.
fetch() {
	local dir=$1
	shift
	vm_shell "fathom-update --url https://192.0.2.1:8443/$dir/ --ca-file /tmp/ca.pem --stage /tmp/st --once --esp auto --reboot never $* 2>&1; echo rc=\$?"
}

# The checksums of every file on the ESP, computed in the VM.
esp_sums() {
	vm_shell "mkdir -p /tmp/esp && mount -o ro /dev/vda1 /tmp/esp && (cd /tmp/esp && find . -type f | sort | xargs sha256sum); umount /tmp/esp"
}

# The running slot as the kernel command line has it, into slot-NAME.
slot_cmdline() {
	vm_shell "tr ' ' '\\n' < /proc/cmdline | grep fathom.slot"
	echo "$output" > "$BATS_FILE_TMPDIR/slot-$1"
}

log() {
	echo "$*" >> "$BATS_FILE_TMPDIR/steps.log"
}

setup_file() {
	local key=${UPDATE_KEY:-${XDG_CACHE_HOME:-$HOME/.cache}/fathom/update.key} n v
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	if ! openssl pkey -in "$key" -pubout 2>/dev/null | cmp -s - "$OUTDIR/build/$BOARD/update.pub"; then
		skip "the image's update key ($key, UPDATE_KEY=) is not at hand"
	fi
	export UEFI=1
	# The built image's version (its own bundle's VERSION; out/build's version
	# file follows the work tree's last commit, the image may not).
	read -r n _ < "$OUTDIR/$BOARD/update/VERSION"
	export RUNNING=$n GOOD=$((n + 200)) HOOK=$((n + 100))
	local w=$BATS_FILE_TMPDIR/www
	mkdir -p "$w"
	(umask 077 && openssl genpkey -algorithm ed25519 -out "$BATS_FILE_TMPDIR/other.key" 2>/dev/null)
	bundle "$w/wrongkey" "$GOOD e2e-wrongkey" "$BATS_FILE_TMPDIR/other.key"
	bundle "$w/flipped" "$GOOD e2e-flipped" "$key"
	v=$(stat -c %s "$w/flipped/initramfs.cpio.zst")
	printf '\x5a' | dd of="$w/flipped/initramfs.cpio.zst" bs=1 seek=$((v / 2)) conv=notrunc 2>/dev/null
	bundle "$w/older" "$((n - 1)) e2e-older" "$key"
	bundle "$w/hook" "$HOOK e2e-hook" "$key"
	bundle "$w/good" "$GOOD e2e-good" "$key"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$BATS_FILE_TMPDIR/srv.key" \
		-out "$BATS_FILE_TMPDIR/srv.pem" -days 2 -subj "/CN=192.0.2.1" \
		-addext "subjectAltName=IP:192.0.2.1" 2>/dev/null

	# Install; the commit deadline short for the test; a shell on the console.
	# update.service polls www/current, which only boot 4 publishes.
	install_stick "install=FATHOMDISK1" "update.health-deadline=60" \
		"update.url=https://192.0.2.1:8443/current/" "update.ca-file=/tmp/ca.pem" "update.interval=15"
	install_disk disk
	VM_MEDIA="--usb $BATS_FILE_TMPDIR/stick.img" VM_QEMU_OPTS=$(install_qemu_opts disk:FATHOMDISK1) \
		vm_boot update-install
	wait_until 600 grep -q "install: done" "$CONSOLE" || true
	wait_power_off 60
	local img="$BATS_FILE_TMPDIR/disk.img@@$ESP_OFF"
	esp mtype -i "$img" ::/boot/grub/grub.cfg | sed 's/ fathom\.slot=/ fathom.shell fathom.slot=/' \
		> "$BATS_FILE_TMPDIR/grub.cfg"
	esp mcopy -o -i "$img" "$BATS_FILE_TMPDIR/grub.cfg" ::/boot/grub/grub.cfg

	# Boot 1, slot A: refusals, then the hook bundle to slot B.
	disk_boot update-a1
	export CONSOLE_A1=$CONSOLE
	wait_for_ping 192.0.2.10 || true
	https_server
	put_ca
	esp_sums; echo "$output" > "$BATS_FILE_TMPDIR/sums-before"
	for b in wrongkey flipped older; do
		fetch "$b"; echo "$output" > "$BATS_FILE_TMPDIR/out-$b"
	done
	# The older bundle from a directory (as from a stick): a rollback.
	http_server
	vm_shell "mkdir -p /tmp/older && cd /tmp/older && for f in $(cd "$BATS_FILE_TMPDIR/www/older" && echo *); do wget -q http://192.0.2.1:8080/older/\$f; done; cd /; fathom-update --from /tmp/older --stage /tmp/st --esp auto --reboot never 2>&1; echo rc=\$?; rm -rf /tmp/older"
	echo "$output" > "$BATS_FILE_TMPDIR/out-older-dir"
	esp_sums; echo "$output" > "$BATS_FILE_TMPDIR/sums-after"
	fetch hook; echo "$output" > "$BATS_FILE_TMPDIR/out-hook"
	vm_send reboot
	wait_power_off 60
	# The test hook: slot B's settings name a NIC this machine lacks.
	esp mtype -i "$img" ::/fathom/B/fathom.conf > "$BATS_FILE_TMPDIR/b.conf"
	echo "iface=eth9" >> "$BATS_FILE_TMPDIR/b.conf"
	esp mcopy -o -i "$img" "$BATS_FILE_TMPDIR/b.conf" ::/fathom/B/fathom.conf
	esp mtype -i "$img" ::/boot/grub/grubenv > "$BATS_FILE_TMPDIR/env-armed"

	# Boot 2, slot B tried: never healthy; the commit service reboots.
	disk_boot update-b-bad
	export CONSOLE_BBAD=$CONSOLE
	wait_power_off 300
	log "unhealthy slot B: power-on to its reboot $(( $(date +%s) - BOOT_START )) s"
	esp mtype -i "$img" ::/boot/grub/grubenv > "$BATS_FILE_TMPDIR/env-after-bad"

	# Boot 3, slot A again; a power cut while the good bundle is written.
	disk_boot update-a2
	export CONSOLE_A2=$CONSOLE
	wait_for_ping 192.0.2.10 || true
	log "back on slot A: power-on to first ping $(( $(date +%s) - BOOT_START )) s"
	slot_cmdline a2
	https_server
	put_ca
	# The version that failed in slot B, offered again: refused.
	fetch hook; echo "$output" > "$BATS_FILE_TMPDIR/out-hook-again"
	vm_monitor "block_set_io_throttle disk1 0 0 131072 0 0 0"
	vm_send "fathom-update --url https://192.0.2.1:8443/good/ --ca-file /tmp/ca.pem --stage /tmp/st --once --esp auto --reboot never"
	wait_until 180 grep -q "update: version $GOOD (e2e-good) checked and staged" "$CONSOLE" || true
	sleep 3
	vm_monitor quit
	wait_power_off 30
	# mtools refuses a FAT the cut left behind its directories (seen once:
	# "Fat problem while decoding"); the machine's own kernel reads it below.
	log "after the power cut slot B holds: $(esp mdir -b -i "$img" ::/fathom/B 2>&1 | sed 's|.*/||' | tr '\n' ' ')"

	# Boot 4, slot A after the power cut: the good bundle published, the
	# service takes it, writes slot B and reboots into it by itself.
	disk_boot update-a3
	export CONSOLE_A3=$CONSOLE
	wait_for_ping 192.0.2.10 || true
	slot_cmdline a3
	# grubenv after the power cut, as the machine reads it.
	vm_shell "mkdir -p /tmp/esp && mount -o ro /dev/vda1 /tmp/esp && grep -a '^fathom_' /tmp/esp/boot/grub/grubenv; umount /tmp/esp"
	echo "$output" > "$BATS_FILE_TMPDIR/env-after-cut"
	https_server
	put_ca
	local t0
	t0=$(date +%s)
	ln -s good "$BATS_FILE_TMPDIR/www/current"
	wait_until 120 grep -q "update: version $GOOD (e2e-good) written to slot B" "$CONSOLE" || true
	log "good bundle published to slot B written by update.service (15 s polls): $(( $(date +%s) - t0 )) s"
	wait_power_off 120
	log "good bundle published to the machine's own reboot: $(( $(date +%s) - t0 )) s"
	log "ESP check before that write: $(grep -c 'fsck.fat -a exit' "$CONSOLE") repair(s) said"

	# Boot 5, slot B: healthy and committed.
	disk_boot update-b-good
	export CONSOLE_BGOOD=$CONSOLE
	wait_for_ping 192.0.2.10 || true
	log "slot B: power-on to first ping $(( $(date +%s) - BOOT_START )) s"
	wait_until 180 grep -q "update: slot B healthy: committed" "$CONSOLE" || true
	log "slot B: power-on to committed $(( $(date +%s) - BOOT_START )) s"
	slot_cmdline b-good
	vm_monitor quit
	wait_power_off 30
	esp mtype -i "$img" ::/boot/grub/grubenv > "$BATS_FILE_TMPDIR/env-committed"
	esp mtype -i "$img" ::/fathom/B/VERSION > "$BATS_FILE_TMPDIR/version-b"
	sed 's/^/# update: /' "$BATS_FILE_TMPDIR/steps.log" >&3
}

teardown_file() {
	https_server_stop
	vm_destroy
}

@test "update: another key, a flipped byte, an older version are refused with one line; the ESP is unchanged" {
	run cat "$BATS_FILE_TMPDIR/out-wrongkey"
	assert_output --partial "SHA256SUMS.sig: signature does not verify"
	assert_output --partial "rc=1"
	run cat "$BATS_FILE_TMPDIR/out-flipped"
	assert_output --regexp "refused: .*initramfs.cpio.zst.*; nothing written"
	assert_output --partial "rc=1"
	run cat "$BATS_FILE_TMPDIR/out-older"
	assert_output --partial "update: refused: https://192.0.2.1:8443/older/ offers version $((RUNNING - 1)) (e2e-older), older than this image's $RUNNING: refusing a rollback; nothing written"
	assert_output --partial "rc=1"
	run cat "$BATS_FILE_TMPDIR/out-older-dir"
	assert_output --regexp "update: refused: .*VERSION: version $((RUNNING - 1)) \(e2e-older\) is older than this image's $RUNNING .*refusing a rollback.*nothing written"
	assert_output --partial "rc=1"
	run grep -c "fathom/A/vmlinuz" "$BATS_FILE_TMPDIR/sums-before"
	assert_output 1
	cmp "$BATS_FILE_TMPDIR/sums-before" "$BATS_FILE_TMPDIR/sums-after"
}

@test "update: a newer bundle is written to slot B and armed once (fathom_try=B)" {
	run cat "$BATS_FILE_TMPDIR/out-hook"
	assert_output --partial "update: version $HOOK (e2e-hook) written to slot B"
	assert_output --partial "rc=0"
	run cat "$BATS_FILE_TMPDIR/env-armed"
	assert_output --partial "fathom_slot=A"
	assert_output --partial "fathom_try=B"
}

@test "update: a slot B that never reaches network: ready reboots at the deadline, and slot A boots by itself and does not take that version again" {
	CONSOLE=$CONSOLE_BBAD
	run cat "$CONSOLE_BBAD"
	assert_output --partial "Booting \`Fathom (slot B)'"
	refute_output --partial "network: ready"
	assert_output --partial "update: slot B: http://127.0.0.1:8000/health did not answer 200 within 60 s: not committed; the next boot is slot A again: rebooting now"
	run cat "$BATS_FILE_TMPDIR/env-after-bad"
	assert_output --partial "fathom_slot=A"
	refute_output --partial "fathom_try=B"
	assert_output --partial "fathom_failed=$HOOK"
	run cat "$BATS_FILE_TMPDIR/out-hook-again"
	assert_output --partial "update: refused: version $HOOK (e2e-hook) failed its health check in a tried slot before (fathom_failed in grubenv): not tried again; publish a newer build; nothing written"
	assert_output --partial "rc=1"
	CONSOLE=$CONSOLE_A2
	run cat "$CONSOLE_A2"
	assert_output --partial "Booting \`Fathom (slot A)'"
	assert_output --partial "network: ready"
	run cat "$BATS_FILE_TMPDIR/slot-a2"
	assert_output "fathom.slot=A"
}

@test "update: a power cut while slot B is written leaves slot A booting" {
	CONSOLE=$CONSOLE_A2
	run cat "$CONSOLE_A2"
	assert_output --partial "update: version $GOOD (e2e-good) checked and staged"
	refute_output --partial "written to slot B"
	run cat "$BATS_FILE_TMPDIR/env-after-cut"
	assert_output --partial "fathom_slot=A"
	refute_output --partial "fathom_try=B"
	CONSOLE=$CONSOLE_A3
	run cat "$CONSOLE_A3"
	assert_output --partial "Booting \`Fathom (slot A)'"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
	run cat "$BATS_FILE_TMPDIR/slot-a3"
	assert_output "fathom.slot=A"
}

@test "update: update.service takes a good bundle from update.url and reboots into slot B; healthy, it is committed (grubenv fathom_slot=B)" {
	CONSOLE=$CONSOLE_A3
	run cat "$CONSOLE_A3"
	assert_output --partial "update: version $GOOD (e2e-good) checked and staged in /var/lib/update/staged"
	assert_output --partial "update: version $GOOD (e2e-good) written to slot B"
	assert_output --partial "update: rebooting now to try slot B (update.reboot=now)"
	CONSOLE=$CONSOLE_BGOOD
	run cat "$CONSOLE_BGOOD"
	assert_output --partial "Booting \`Fathom (slot B)'"
	assert_output --partial "network: ready"
	assert_output --partial "update: slot B healthy: committed, it is the default boot now"
	run cat "$BATS_FILE_TMPDIR/env-committed"
	assert_output --partial "fathom_slot=B"
	refute_output --regexp "fathom_try=[AB]"
	run cat "$BATS_FILE_TMPDIR/version-b"
	assert_output "$GOOD e2e-good"
	run cat "$BATS_FILE_TMPDIR/slot-b-good"
	assert_output "fathom.slot=B"
}
