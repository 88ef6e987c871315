#!/usr/bin/env bats
# Update bundles end to end on the host: make's bundle and the image's key,
# then fathom-update (services/update) on bundles made here with throwaway
# keys: a good one staged and written to the inactive slot of an ESP laid
# out in a directory (grubenv made and read by grub-editenv); a wrong key,
# a flipped byte, an older or equal version refused with one line and
# nothing written (the sha256 of every file of the stage and the ESP
# unchanged); the commit after a healthy boot; the fetch over HTTPS from a
# server on 127.0.0.1 with a throwaway CA. Every process started here is
# stopped by its pid.

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
	for k in good other next; do
		(umask 077 && openssl genpkey -algorithm ed25519 -out "$D/$k.key" 2> /dev/null)
		openssl pkey -in "$D/$k.key" -pubout -out "$D/$k.pub"
	done
	echo "2000 v2.0" > "$D/running"
}

# bundle DIR VERSION KEY [media]: a small bundle made by scripts/update-bundle.
bundle() {
	local src
	src=$BATS_TEST_TMPDIR/src-$(basename "$1")
	mkdir -p "$src"
	head -c 300000 /dev/urandom > "$src/vmlinuz"
	head -c 200000 /dev/urandom > "$src/initramfs.cpio.zst"
	[ "${4:-}" = media ] && head -c 1000 /dev/urandom > "$src/media.cpio.zst"
	echo "$2" > "$src/version"
	"$TOP/scripts/update-bundle" "$src" "$src/version" "$3" "$1"
}

# An installed disk's ESP in a directory: slot A running, with its files
# and the machine's fathom.conf; grubenv as grub-editenv writes it.
esp() {
	E=$BATS_TEST_TMPDIR/esp
	mkdir -p "$E/fathom/A" "$E/boot/grub"
	for f in vmlinuz initramfs.cpio.zst; do echo "old $f" > "$E/fathom/A/$f"; done
	echo "1000 v1.0" > "$E/fathom/A/VERSION"
	echo "ipv4=192.0.2.10/24" > "$E/fathom/A/fathom.conf"
	grub-editenv "$E/boot/grub/grubenv" create
	grub-editenv "$E/boot/grub/grubenv" set fathom_slot=A fathom_try=
}

# The sha256 of every file under the stage and the ESP.
sums_of_targets() {
	(cd "$BATS_TEST_TMPDIR" && find stage esp -type f -print0 2> /dev/null | sort -z |
		xargs -0 -r sha256sum)
}

update() {
	run "$UPD" --pubkey "$D/good.pub" --version-file "$D/running" --stage "$BATS_TEST_TMPDIR/stage" \
		--cmdline /dev/null "$@"
}

# Add 1 to the byte in the middle of a file.
flip_byte() {
	local off=$(($(stat -c %s "$1") / 2)) b
	b=$(od -An -tu1 -j "$off" -N 1 "$1" | tr -d ' ')
	printf '%b' "\\$(printf %03o $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$off" conv=notrunc status=none
}

@test "make: the bundle verifies with the key in the image, which carries its version" {
	art=$OUTDIR/$BOARD/update
	[ -s "$art/SHA256SUMS.sig" ] || skip "no bundle: run make first"
	run cut -d' ' -f3 "$art/SHA256SUMS"
	assert_output "$(printf '%s\n' vmlinuz initramfs.cpio.zst media.cpio.zst VERSION)"
	manifest=$OUTDIR/build/$BOARD/initramfs.manifest
	pub=$(awk '$2 == "/etc/fathom/update.pub" { print $3 }' "$manifest")
	ver=$(awk '$2 == "/etc/fathom/version" { print $3 }' "$manifest")
	cmp "$ver" "$art/VERSION"
	openssl pkeyutl -verify -pubin -inkey "$pub" -rawin -in "$art/SHA256SUMS" -sigfile "$art/SHA256SUMS.sig"
	echo "1 older" > "$BATS_TEST_TMPDIR/older"
	run "$UPD" --pubkey "$pub" --version-file "$BATS_TEST_TMPDIR/older" --from "$art" \
		--stage "$BATS_TEST_TMPDIR/stage"
	assert_success
	assert_output --partial "checked and staged in $BATS_TEST_TMPDIR/stage/staged"
	# The same version as the image it came with: a rollback.
	run "$UPD" --pubkey "$pub" --version-file "$ver" --from "$art" --stage "$BATS_TEST_TMPDIR/s2"
	assert_failure 1
	assert_output --partial "is the same as this image's"
}

@test "the update key: made once under the cache (0600), UPDATE_KEY taken as given, bad ones refused" {
	k=$BATS_TEST_TMPDIR/cache/update.key
	run "$TOP/scripts/update-key" "$k" "$BATS_TEST_TMPDIR/pub" 1
	assert_success
	assert_output "  KEYS    new update signing key $k (installed machines trust only its public key: keep it, or set UPDATE_KEY=FILE)"
	[ "$(stat -c %a "$k")" = 600 ]
	grep -q 'BEGIN PUBLIC KEY' "$BATS_TEST_TMPDIR/pub"
	touch -d @1 "$BATS_TEST_TMPDIR/pub"
	run "$TOP/scripts/update-key" "$k" "$BATS_TEST_TMPDIR/pub" 1
	assert_success
	assert_output ""
	[ "$(stat -c %Y "$BATS_TEST_TMPDIR/pub")" = 1 ]	# unchanged: no image rebuild
	run "$TOP/scripts/update-key" "$BATS_TEST_TMPDIR/missing.key" "$BATS_TEST_TMPDIR/pub2" 0
	assert_failure
	assert_output --partial "UPDATE_KEY=$BATS_TEST_TMPDIR/missing.key: no such file"
	[ ! -e "$BATS_TEST_TMPDIR/missing.key" ]
	openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$BATS_TEST_TMPDIR/ec.key" 2> /dev/null
	run "$TOP/scripts/update-key" "$BATS_TEST_TMPDIR/ec.key" "$BATS_TEST_TMPDIR/pub2" 0
	assert_failure
	assert_output --partial "not an Ed25519 key"
	run "$TOP/scripts/update-key" "$TOP/update.key" "$BATS_TEST_TMPDIR/pub2" 1
	assert_failure
	assert_output --partial "is inside the work tree"
	[ ! -e "$TOP/update.key" ]
	chmod 644 "$k"
	run "$TOP/scripts/update-key" "$k" "$BATS_TEST_TMPDIR/pub" 1
	assert_output --partial "has mode 644; run: chmod 600 $k"
}

@test "changing the key: an image trusting the old and the next key (UPDATE_TRUST) takes bundles signed by either, no other" {
	# The image of step 1: signed with good.key, trusting next.pub too.
	run "$TOP/scripts/update-key" "$D/good.key" "$BATS_TEST_TMPDIR/trust.pub" 0 "$D/next.pub"
	assert_success
	[ "$(grep -c 'BEGIN PUBLIC KEY' "$BATS_TEST_TMPDIR/trust.pub")" = 2 ]
	for k in good next; do
		bundle "$BATS_TEST_TMPDIR/$k" "3000 v3.0-$k" "$D/$k.key"
		run "$UPD" --pubkey "$BATS_TEST_TMPDIR/trust.pub" --version-file "$D/running" \
			--stage "$BATS_TEST_TMPDIR/stage-$k" --cmdline /dev/null --from "$BATS_TEST_TMPDIR/$k"
		assert_success
		assert_output "update: version 3000 (v3.0-$k) checked and staged in $BATS_TEST_TMPDIR/stage-$k/staged"
	done
	bundle "$BATS_TEST_TMPDIR/o" "3000 v3.0" "$D/other.key"
	run "$UPD" --pubkey "$BATS_TEST_TMPDIR/trust.pub" --version-file "$D/running" \
		--stage "$BATS_TEST_TMPDIR/stage-o" --cmdline /dev/null --from "$BATS_TEST_TMPDIR/o"
	assert_failure 1
	assert_output --partial "signature does not verify with $BATS_TEST_TMPDIR/trust.pub"
	# The image of step 2 trusts next.pub alone: good.key's bundles are refused.
	run "$TOP/scripts/update-key" "$D/next.key" "$BATS_TEST_TMPDIR/next-only.pub" 0
	run "$UPD" --pubkey "$BATS_TEST_TMPDIR/next-only.pub" --version-file "$D/running" \
		--stage "$BATS_TEST_TMPDIR/stage-g2" --cmdline /dev/null --from "$BATS_TEST_TMPDIR/good"
	assert_failure 1
	# A trusted key that is not an Ed25519 public key is refused by make's script.
	openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 2> /dev/null |
		openssl pkey -pubout -out "$BATS_TEST_TMPDIR/ec.pub"
	run "$TOP/scripts/update-key" "$D/good.key" "$BATS_TEST_TMPDIR/trust2.pub" 0 "$BATS_TEST_TMPDIR/ec.pub"
	assert_failure 1
	assert_output "update-key: UPDATE_TRUST=$BATS_TEST_TMPDIR/ec.pub: not a PEM Ed25519 public key (openssl pkey -in NEW.key -pubout -out $BATS_TEST_TMPDIR/ec.pub)"
	[ ! -e "$BATS_TEST_TMPDIR/trust2.pub" ]
	# A key file the image cannot use: one line, nothing staged.
	cat "$D/good.pub" "$BATS_TEST_TMPDIR/ec.pub" > "$BATS_TEST_TMPDIR/mixed.pub"
	run "$UPD" --pubkey "$BATS_TEST_TMPDIR/mixed.pub" --version-file "$D/running" \
		--stage "$BATS_TEST_TMPDIR/stage-m" --cmdline /dev/null --from "$BATS_TEST_TMPDIR/good"
	assert_failure 1
	assert_output "update: refused: $BATS_TEST_TMPDIR/mixed.pub: not PEM Ed25519 public keys; rebuild the image with make; nothing written"
}

@test "a good bundle is staged, written to slot B and armed once; slot A stays the default" {
	bundle "$BATS_TEST_TMPDIR/b" "3000 v3.0" "$D/good.key" media
	esp
	update --from "$BATS_TEST_TMPDIR/b" --esp "$E"
	assert_success
	assert_line "update: version 3000 (v3.0) checked and staged in $BATS_TEST_TMPDIR/stage/staged"
	assert_line --partial "update: version 3000 (v3.0) written to slot B of $E; the next boot tries it once (fathom_try=B)"
	for f in vmlinuz initramfs.cpio.zst media.cpio.zst VERSION; do
		cmp "$BATS_TEST_TMPDIR/b/$f" "$E/fathom/B/$f"
		cmp "$BATS_TEST_TMPDIR/b/$f" "$BATS_TEST_TMPDIR/stage/staged/$f"
	done
	cmp "$E/fathom/A/fathom.conf" "$E/fathom/B/fathom.conf"
	[ "$(cat "$E/fathom/A/vmlinuz")" = "old vmlinuz" ]
	run grub-editenv "$E/boot/grub/grubenv" list
	assert_output "$(printf 'fathom_slot=A\nfathom_try=B')"
	[ "$(stat -c %s "$E/boot/grub/grubenv")" = 1024 ]
	# A newer bundle without media.cpio.zst: the old one leaves slot B.
	bundle "$BATS_TEST_TMPDIR/c" "3001 v3.1" "$D/good.key"
	update --from "$BATS_TEST_TMPDIR/c" --esp "$E"
	assert_success
	[ ! -e "$E/fathom/B/media.cpio.zst" ]
	[ ! -e "$BATS_TEST_TMPDIR/stage/staged/media.cpio.zst" ]
	cmp "$BATS_TEST_TMPDIR/c/VERSION" "$E/fathom/B/VERSION"
}

@test "running from slot B (fathom.slot=B): the update goes to slot A" {
	bundle "$BATS_TEST_TMPDIR/b" "3000 v3.0" "$D/good.key"
	esp
	mv "$E/fathom/A" "$E/fathom/B"
	echo "quiet fathom.slot=B console=ttyS0" > "$BATS_TEST_TMPDIR/cmdline"
	run "$UPD" --pubkey "$D/good.pub" --version-file "$D/running" --stage "$BATS_TEST_TMPDIR/stage" \
		--cmdline "$BATS_TEST_TMPDIR/cmdline" --from "$BATS_TEST_TMPDIR/b" --esp "$E"
	assert_success
	cmp "$BATS_TEST_TMPDIR/b/vmlinuz" "$E/fathom/A/vmlinuz"
	[ "$(cat "$E/fathom/B/vmlinuz")" = "old vmlinuz" ]
	run grub-editenv "$E/boot/grub/grubenv" list
	assert_line "fathom_try=A"
}

@test "--esp auto on a machine not booted from an installed disk: staged only; commit silent" {
	bundle "$BATS_TEST_TMPDIR/b" "3000 v3.0" "$D/good.key"
	echo "console=ttyS0 fathom.media=STICK" > "$BATS_TEST_TMPDIR/cmdline"
	run "$UPD" --pubkey "$D/good.pub" --version-file "$D/running" --stage "$BATS_TEST_TMPDIR/stage" \
		--cmdline "$BATS_TEST_TMPDIR/cmdline" --from "$BATS_TEST_TMPDIR/b" --esp auto
	assert_success
	assert_line --index 0 "update: version 3000 (v3.0) checked and staged in $BATS_TEST_TMPDIR/stage/staged"
	assert_line --index 1 "update: not booted from an installed disk (no fathom.slot=): no slot to write"
	run "$UPD" --commit --esp auto --cmdline "$BATS_TEST_TMPDIR/cmdline"
	assert_success
	assert_output ""
	run "$UPD" --cmdline "$BATS_TEST_TMPDIR/cmdline"
	assert_success
	assert_output "update: no update.url set and no --from DIR: nothing to do"
}

@test "a bundle signed with another key is refused with one line, nothing written" {
	bundle "$BATS_TEST_TMPDIR/b" "3000 v3.0" "$D/other.key"
	esp
	before=$(sums_of_targets)
	update --from "$BATS_TEST_TMPDIR/b" --esp "$E"
	assert_failure 1
	assert_output "update: refused: $BATS_TEST_TMPDIR/b/SHA256SUMS.sig: signature does not verify with $D/good.pub: the bundle was signed with another key or SHA256SUMS was altered; sign it with the key this image was built with (UPDATE_KEY); nothing written"
	[ "$(sums_of_targets)" = "$before" ]
	[ ! -e "$BATS_TEST_TMPDIR/stage" ]
}

@test "one flipped byte in any file of the bundle is refused and named, nothing written" {
	bundle "$BATS_TEST_TMPDIR/good" "3000 v3.0" "$D/good.key" media
	esp
	before=$(sums_of_targets)
	for f in vmlinuz initramfs.cpio.zst media.cpio.zst VERSION SHA256SUMS SHA256SUMS.sig; do
		rm -rf "$BATS_TEST_TMPDIR/b" && cp -a "$BATS_TEST_TMPDIR/good" "$BATS_TEST_TMPDIR/b"
		flip_byte "$BATS_TEST_TMPDIR/b/$f"
		update --from "$BATS_TEST_TMPDIR/b" --esp "$E"
		assert_failure 1
		assert_equal "${#lines[@]}" 1
		case $f in
		SHA256SUMS*) assert_output --partial "b/SHA256SUMS.sig: signature does not verify" ;;
		*) assert_output "update: refused: $BATS_TEST_TMPDIR/b/$f: sha256 differs from SHA256SUMS: the file is corrupted; copy or download the bundle again; nothing written" ;;
		esac
		[ "$(sums_of_targets)" = "$before" ]
	done
	rm -rf "$BATS_TEST_TMPDIR/b" && cp -a "$BATS_TEST_TMPDIR/good" "$BATS_TEST_TMPDIR/b"
	rm "$BATS_TEST_TMPDIR/b/initramfs.cpio.zst"
	update --from "$BATS_TEST_TMPDIR/b" --esp "$E"
	assert_failure 1
	assert_output --partial "b/initramfs.cpio.zst: No such file or directory: the bundle is incomplete; nothing written"
}

@test "an older or equal version is refused as a rollback, nothing written" {
	esp
	update --from "$BATS_TEST_TMPDIR/none"
	assert_failure 1
	assert_output --partial "SHA256SUMS: No such file or directory: not an update bundle"
	before=$(sums_of_targets)
	for v in "1999 v1.9" "2000 v2.0" "1 ancient"; do
		bundle "$BATS_TEST_TMPDIR/b" "$v" "$D/good.key"
		update --from "$BATS_TEST_TMPDIR/b" --esp "$E"
		assert_failure 1
		assert_output --regexp "^update: refused: $BATS_TEST_TMPDIR/b/VERSION: version ${v% *} \(${v#* }\) is (older than|the same as) this image's 2000 \(v2.0\): refusing a rollback; build a newer image to update; nothing written$"
		[ "$(sums_of_targets)" = "$before" ]
	done
}

@test "commit: the booted slot becomes the default only when healthy" {
	esp
	grub-editenv "$E/boot/grub/grubenv" set fathom_try=
	read -r port _ _ < <(free_ports)
	# Nothing listens on $port: not healthy within the deadline.
	update --commit --esp "$E" --slot B --health-url "http://127.0.0.1:$port/health" --health-deadline 2 \
		--reboot never
	assert_failure 1
	assert_output "update: slot B: http://127.0.0.1:$port/health did not answer 200 within 2 s: not committed; the next boot is slot A again (update.reboot=never)"
	# By default init (here a stand-in process) is asked to reboot.
	sleep 30 & init=$!
	update --commit --esp "$E" --slot B --health-url "http://127.0.0.1:$port/health" --health-deadline 1 \
		--init-pid "$init"
	assert_failure 1
	assert_output "update: slot B: http://127.0.0.1:$port/health did not answer 200 within 1 s: not committed; the next boot is slot A again: rebooting now"
	run wait "$init"
	assert_failure 143
	# Not on the appliance (no /etc/fathom/version) and no --init-pid: no reboot, said.
	if [ ! -e /etc/fathom/version ]; then
		update --commit --esp "$E" --slot B --health-url "http://127.0.0.1:$port/health" --health-deadline 1
		assert_line "update: not on a Fathom appliance (no /etc/fathom/version): not rebooting; reboot it yourself"
	fi
	run grub-editenv "$E/boot/grub/grubenv" list
	assert_line "fathom_slot=A"
	update --commit --esp "$E" --slot B
	assert_success
	assert_output "update: slot B healthy: committed, it is the default boot now"
	run grub-editenv "$E/boot/grub/grubenv" list
	# The failed tries above recorded the running version (2000).
	assert_output "$(printf 'fathom_slot=B\nfathom_try=\nfathom_failed=2000')"
	update --commit --esp "$E" --slot B
	assert_success
	assert_output ""
}

@test "a version that failed its health check in a tried slot is not taken again; a newer one is" {
	bundle "$BATS_TEST_TMPDIR/b" "3000 v3.0" "$D/good.key"
	esp
	update --from "$BATS_TEST_TMPDIR/b" --esp "$E" --reboot never
	assert_success
	# Slot B runs 3000 and is unhealthy at its deadline: recorded, then the reboot.
	echo "3000 v3.0" > "$BATS_TEST_TMPDIR/v3000"
	grub-editenv "$E/boot/grub/grubenv" set fathom_try=
	read -r port _ _ < <(free_ports)
	sleep 30 & init=$!
	run "$UPD" --commit --esp "$E" --slot B --version-file "$BATS_TEST_TMPDIR/v3000" --cmdline /dev/null \
		--health-url "http://127.0.0.1:$port/health" --health-deadline 1 --init-pid "$init"
	assert_failure 1
	run wait "$init"
	assert_failure 143
	run grub-editenv "$E/boot/grub/grubenv" list
	assert_output "$(printf 'fathom_slot=A\nfathom_try=\nfathom_failed=3000')"
	# Back on slot A (2000): the same bundle again (a stick left in) is refused.
	before=$(cd "$E" && find . -type f | sort | xargs sha256sum)
	rm -rf "$BATS_TEST_TMPDIR/stage"
	update --from "$BATS_TEST_TMPDIR/b" --esp "$E" --reboot never
	assert_failure 1
	assert_line "update: refused: version 3000 (v3.0) failed its health check in a tried slot before (fathom_failed in grubenv): not tried again; publish a newer build; nothing written"
	[ "$(cd "$E" && find . -type f | sort | xargs sha256sum)" = "$before" ]
	bundle "$BATS_TEST_TMPDIR/c" "3001 v3.1" "$D/good.key"
	update --from "$BATS_TEST_TMPDIR/c" --esp "$E" --reboot never
	assert_success
	assert_line --partial "update: version 3001 (v3.1) written to slot B"
}

@test "commit: update.health-deadline from the running slot's fathom.conf and the command line; a bad --reboot refused" {
	esp
	mkdir -p "$E/fathom/B"
	printf '%s\n' "ipv4=192.0.2.10/24" "update.health-deadline=1" "update.ca-file=/nonexistent.pem" > "$E/fathom/B/fathom.conf"
	read -r port _ _ < <(free_ports)
	update --commit --settings update --esp "$E" --slot B --health-url "http://127.0.0.1:$port/health" \
		--reboot never
	assert_failure 1
	assert_output "update: slot B: http://127.0.0.1:$port/health did not answer 200 within 1 s: not committed; the next boot is slot A again (update.reboot=never)"
	# The kernel command line ranks above the slot's fathom.conf.
	echo "fathom.update.health-deadline=2" > "$BATS_TEST_TMPDIR/cmdline"
	update --commit --settings update --cmdline "$BATS_TEST_TMPDIR/cmdline" --esp "$E" --slot B \
		--health-url "http://127.0.0.1:$port/health" --reboot never
	assert_failure 1
	assert_output --partial "within 2 s: not committed"
	run grub-editenv "$E/boot/grub/grubenv" list
	assert_line "fathom_slot=A"
	update --reboot soon --esp "$E"
	assert_failure 2
	assert_output --partial "update: --reboot soon: not a valid value"
}

# write_with_reboot POLICY: a good bundle written to slot B with
# update.reboot=POLICY (settings), init stood in for by a sleep (pid in
# $init); fathom-update runs at most 5 s.
write_with_reboot() {
	bundle "$BATS_TEST_TMPDIR/b" "3000 v3.0" "$D/good.key"
	rm -rf "$E" "$BATS_TEST_TMPDIR/stage"
	esp
	echo "fathom.update.reboot=$1" > "$BATS_TEST_TMPDIR/cmdline"
	sleep 30 & init=$!
	run timeout 5 "$UPD" --pubkey "$D/good.pub" --version-file "$D/running" \
		--stage "$BATS_TEST_TMPDIR/stage" --cmdline "$BATS_TEST_TMPDIR/cmdline" --settings update \
		--init-pid "$init" --from "$BATS_TEST_TMPDIR/b" --esp "$E"
}

@test "update.reboot: now (the default) reboots into the written slot, never leaves it to the next reboot, a window waits for it" {
	write_with_reboot now
	assert_success
	assert_line --index 2 "update: rebooting now to try slot B (update.reboot=now)"
	run wait "$init"
	assert_failure 143
	run grub-editenv "$E/boot/grub/grubenv" list
	assert_line "fathom_try=B"

	write_with_reboot never
	assert_success
	assert_line --index 2 "update: slot B is tried at the next reboot (update.reboot=never)"
	kill -0 "$init"
	kill "$init"

	# A window open now (from a minute ago for an hour): at once.
	local m=$(( ($(date -u +%s) / 60 + 1439) % 1440 ))
	local open close
	open=$(printf '%02d:%02d' $((m / 60)) $((m % 60)))
	close=$(printf '%02d:%02d' $(((m + 60) % 1440 / 60)) $(((m + 60) % 60)))
	write_with_reboot "$open-$close"
	assert_success
	assert_line --index 2 "update: rebooting now to try slot B (update.reboot=$open-$close)"
	run wait "$init"
	assert_failure 143

	# A window that opens in three hours: it says when, and waits.
	m=$(( ($(date -u +%s) / 60 + 180) % 1440 ))
	open=$(printf '%02d:%02d' $((m / 60)) $((m % 60)))
	close=$(printf '%02d:%02d' $(((m + 30) % 1440 / 60)) $(((m + 30) % 60)))
	write_with_reboot "$open-$close"
	assert_failure 124
	assert_line --index 2 --regexp "^update: rebooting to try slot B at [0-2][0-9]:[0-5][0-9] UTC \(update.reboot=$open-$close\)$"
	kill -0 "$init"
	kill "$init"

	# Not a policy: said, and the default (now) stands.
	write_with_reboot soon
	assert_success
	assert_line --index 0 "update: settings: kernel command line: update.reboot: not now, never or HH:MM-HH:MM (UTC); ignored"
	assert_line "update: rebooting now to try slot B (update.reboot=now)"
	run wait "$init"
	assert_failure 143
}

@test "HTTPS: fetched from update.url, checked, staged; a second round fetches nothing" {
	bundle "$BATS_TEST_TMPDIR/www/update" "3000 v3.0" "$D/good.key"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$BATS_TEST_TMPDIR/srv.key" \
		-out "$BATS_TEST_TMPDIR/srv.pem" -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2> /dev/null
	read -r port _ _ < <(free_ports)
	timeout 60 python3 -c '
import http.server, ssl, sys, functools
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), h)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(sys.argv[3], sys.argv[4])
s.socket = c.wrap_socket(s.socket, server_side=True)
print("ready", flush=True); s.serve_forever()' "$port" "$BATS_TEST_TMPDIR/www" \
		"$BATS_TEST_TMPDIR/srv.pem" "$BATS_TEST_TMPDIR/srv.key" > "$BATS_TEST_TMPDIR/srv.log" 2>&1 3>&- &
	pid=$!
	for _ in $(seq 50); do grep -q '^ready' "$BATS_TEST_TMPDIR/srv.log" && break; sleep 0.1; done
	printf '%s\n' "update.url=https://127.0.0.1:$port/update/" "update.ca-file=$BATS_TEST_TMPDIR/srv.pem" \
		> "$BATS_TEST_TMPDIR/cmdfile"
	sed -i 's/^/fathom./' "$BATS_TEST_TMPDIR/cmdfile"
	# The CA from the settings (update.ca-file).
	update --settings update --cmdline "$BATS_TEST_TMPDIR/cmdfile" --once
	status1=$status out1=$output
	cmp "$BATS_TEST_TMPDIR/www/update/VERSION" "$BATS_TEST_TMPDIR/stage/staged/VERSION"
	update --settings update --cmdline "$BATS_TEST_TMPDIR/cmdfile" --ca-file "$BATS_TEST_TMPDIR/srv.pem" --once
	status2=$status out2=$output
	# Staged, but the slot not written (a power cut came between): the next
	# round writes it from the stage without fetching it again; then it is armed.
	esp
	update --url "https://127.0.0.1:$port/update" --ca-file "$BATS_TEST_TMPDIR/srv.pem" --once \
		--esp "$E" --reboot never
	status4=$status out4=$output
	update --url "https://127.0.0.1:$port/update" --ca-file "$BATS_TEST_TMPDIR/srv.pem" --once \
		--esp "$E" --reboot never
	status5=$status out5=$output
	# The service with a reboot window three hours away: it waits, and its
	# status line says for what.
	local m=$(( ($(date -u +%s) / 60 + 180) % 1440 ))
	local win
	win=$(printf '%02d:%02d-%02d:%02d' $((m / 60)) $((m % 60)) $(((m + 30) % 1440 / 60)) $(((m + 30) % 60)))
	run timeout 4 "$UPD" --pubkey "$D/good.pub" --version-file "$D/running" \
		--stage "$BATS_TEST_TMPDIR/stage" --cmdline /dev/null --url "https://127.0.0.1:$port/update" \
		--ca-file "$BATS_TEST_TMPDIR/srv.pem" --esp "$E" --reboot "$win" \
		--status-file "$BATS_TEST_TMPDIR/status"
	out6=$output
	status_line=$(cat "$BATS_TEST_TMPDIR/status")
	# Signed with another key: refused before the big files are fetched.
	bundle "$BATS_TEST_TMPDIR/www/update" "3001 v3.1" "$D/other.key"
	seen=$(wc -l < "$BATS_TEST_TMPDIR/srv.log")
	update --url "https://127.0.0.1:$port/update" --ca-file "$BATS_TEST_TMPDIR/srv.pem" --once
	status3=$status out3=$output seen2=$(wc -l < "$BATS_TEST_TMPDIR/srv.log")
	# Older than the running image (2000): refused as a rollback.
	bundle "$BATS_TEST_TMPDIR/www/update" "1999 v1.9" "$D/good.key"
	update --url "https://127.0.0.1:$port/update" --ca-file "$BATS_TEST_TMPDIR/srv.pem" --once
	kill "$pid"
	assert_failure 1
	assert_output "update: refused: https://127.0.0.1:$port/update offers version 1999 (v1.9), older than this image's 2000: refusing a rollback; nothing written"
	cmp "$BATS_TEST_TMPDIR/stage/staged/VERSION" <(echo "3000 v3.0")
	status=$status3 output=$out3
	[ "$status1" = 0 ] || { echo "$out1"; false; }
	[[ $out1 == *"update: version 3000 (v3.0) checked and staged"* ]]
	[ "$status2" = 0 ] && [[ $out2 == *"offers version 3000 (v3.0), staged already"* ]]
	[ "$status4" = 0 ] && [[ $out4 == *"staged already"*"update: version 3000 (v3.0) written to slot B"* ]] ||
		{ echo "$out4"; false; }
	[ "$status5" = 0 ] && [[ $out5 == *"update: version 3000 (v3.0) is in slot B already, armed (fathom_try=B)"* ]] ||
		{ echo "$out5"; false; }
	cmp "$BATS_TEST_TMPDIR/stage/staged/vmlinuz" "$E/fathom/B/vmlinuz"
	[[ $out6 == *"update: rebooting to try slot B at "*" UTC (update.reboot=$win)"* ]] || { echo "$out6"; false; }
	[[ $status_line == "update: version 2000 (v2.0); update.url checked "*" UTC: ok, next "*" UTC"*"; slot B written, rebooting at "*" UTC" ]] ||
		{ echo "$status_line"; false; }
	assert_failure 1
	assert_output --partial "SHA256SUMS.sig: signature does not verify"
	sed -n "$((seen + 1)),${seen2}p" "$BATS_TEST_TMPDIR/srv.log" | grep -q 'GET /update/SHA256SUMS.sig'
	run grep -cE 'GET /update/(vmlinuz|initramfs|VERSION)' <(sed -n "$((seen + 1)),${seen2}p" "$BATS_TEST_TMPDIR/srv.log")
	assert_output 0
	cmp "$BATS_TEST_TMPDIR/stage/staged/VERSION" <(echo "3000 v3.0")
}
