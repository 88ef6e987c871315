#!/usr/bin/env bats
# The signed SHA256SUMS, checked as an operator would before publishing:
# scripts/verify on a copy of the output directory, then tampered copies.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup_file() {
	export OUTDIR=${FATHOM_OUT:-$BATS_TEST_DIRNAME/../../out}
	export BOARD=${FATHOM_BOARD:-qemu-x86_64}
	export ART=$OUTDIR/$BOARD
	export TOP=$BATS_TEST_DIRNAME/../..
	make -s -C "$TOP" O="$OUTDIR" BOARD="$BOARD" "$OUTDIR/build/host/mkmachines" >&2
	KEY=$(dirname "$("$TOP/scripts/keys")")/fathom.key
	export KEY
}

setup() {
	COPY=$BATS_TEST_TMPDIR/out
	cp -a "$ART" "$COPY"
}

# machines/ for the image in $COPY (two machines), as make machines does.
make_machines() {
	printf '%s\n' hostname,ipv4 m1.example.org,192.0.2.2/28 m2.example.org,192.0.2.3/28 \
		> "$BATS_TEST_TMPDIR/inv.csv"
	MKMACHINES=$OUTDIR/build/host/mkmachines SIGNING_KEY=$KEY "$TOP/scripts/machines" \
		"$TOP/boards/$BOARD" "$BATS_TEST_TMPDIR/build" "$1" "$BATS_TEST_TMPDIR/inv.csv" \
		http://192.0.2.1/fathom > /dev/null
}

# Re-sign DIR/SHA256SUMS with the operator's key.
resign() {
	openssl pkeyutl -sign -inkey "$KEY" -rawin -in "$1/SHA256SUMS" -out "$1/SHA256SUMS.sig"
}

# Add 1 to the byte in the middle of a file.
flip_byte() {
	local off=$(($(stat -c %s "$1") / 2)) b
	b=$(od -An -tu1 -j "$off" -N 1 "$1" | tr -d ' ')
	printf '%b' "\\$(printf %03o $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$off" conv=notrunc status=none
}

@test "a fresh build verifies, and make verify agrees" {
	[ -s "$ART/SHA256SUMS.sig" ]
	run "$TOP/scripts/verify" "$COPY"
	assert_success
	assert_output --partial "OK, signed by"
	run make -C "$TOP" O="$OUTDIR" BOARD="$BOARD" verify
	assert_success
}

@test "SHA256SUMS lists every artifact, fathom.pub included" {
	run cut -d' ' -f3 "$ART/SHA256SUMS"
	assert_output "$(printf '%s\n' vmlinuz initramfs.cpio.zst media.cpio.zst manifest.json fathom.pub \
		fathom.img fathom.iso ipxe/ipxe.efi ipxe/snponly.efi ipxe/undionly.kpxe ipxe/ipxe.lkrn)"
}

@test "a signed SHA256SUMS naming a file outside the directory is refused" {
	key=$(dirname "$("$TOP/scripts/keys")")/fathom.key
	listed=$(wc -l < "$COPY/SHA256SUMS")
	for name in ../escape /etc/passwd ipxe/../../x a/b/c ./vmlinuz; do
		echo "$(sha256sum < "$COPY/vmlinuz" | cut -d' ' -f1)  $name" >> "$COPY/SHA256SUMS"
	done
	openssl pkeyutl -sign -inkey "$key" -rawin -in "$COPY/SHA256SUMS" -out "$COPY/SHA256SUMS.sig"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	for n in $(seq $((listed + 1)) $((listed + 5))); do
		assert_output --partial "SHA256SUMS: line $n: not \"SHA256  NAME\""
	done
	refute_output --partial "signature does not verify"
}

@test "one flipped byte in any artifact is named, exit 1" {
	while read -r _ f; do
		flip_byte "$COPY/$f"
		run "$TOP/scripts/verify" "$COPY"
		assert_failure 1
		assert_output --partial "$COPY/$f: sha256 differs from SHA256SUMS"
		cp "$ART/$f" "$COPY/$f"
	done < "$ART/SHA256SUMS"
	run "$TOP/scripts/verify" "$COPY"
	assert_success
}

@test "a tampered SHA256SUMS fails its signature" {
	flip_byte "$COPY/SHA256SUMS"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	assert_output --partial "$COPY/SHA256SUMS: signature does not verify"
}

@test "a missing signature is reported" {
	rm "$COPY/SHA256SUMS.sig"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	assert_output --partial "$COPY/SHA256SUMS.sig: missing"
}

@test "files re-signed by another key, with its fathom.pub, are rejected by the operator's key" {
	other=$BATS_TEST_TMPDIR/other-keys
	run env FATHOM_KEYS="$other" "$TOP/scripts/keys"
	assert_success
	assert_line "$other/fathom.pub"
	cp "$other/fathom.pub" "$COPY/fathom.pub"
	(cd "$COPY" && sha256sum $(cut -d' ' -f3 SHA256SUMS) > SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
	openssl pkeyutl -sign -inkey "$other/fathom.key" -rawin -in "$COPY/SHA256SUMS" -out "$COPY/SHA256SUMS.sig"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	assert_output --partial "signature does not verify"
	# Trusting the key that came with the files is exactly what pinning avoids.
	run "$TOP/scripts/verify" --pubkey "$COPY/fathom.pub" "$COPY"
	assert_success
}

@test "without a pinned key verify fails, unless told to trust the shipped key (with a warning)" {
	run env FATHOM_KEYS="$BATS_TEST_TMPDIR/none" "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	assert_output --partial "verify: no public key to trust: $BATS_TEST_TMPDIR/none/fathom.pub (the operator's, \$FATHOM_KEYS) does not exist; give a copy you trust with --pubkey FILE, or --trust-shipped-key"
	refute_output --partial "OK"
	run env FATHOM_KEYS="$BATS_TEST_TMPDIR/none" "$TOP/scripts/verify" --trust-shipped-key "$COPY"
	assert_success
	assert_output --partial "verify: WARNING: trusting $COPY/fathom.pub, which came with the files it vouches for"
	assert_output --partial "OK, signed by $COPY/fathom.pub"
	# Files re-signed by someone else, with their fathom.pub: only the
	# explicit trust lets them through.
	other=$BATS_TEST_TMPDIR/other-keys
	FATHOM_KEYS="$other" "$TOP/scripts/keys" > /dev/null
	cp "$other/fathom.pub" "$COPY/fathom.pub"
	(cd "$COPY" && sha256sum $(cut -d' ' -f3 SHA256SUMS) > SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
	openssl pkeyutl -sign -inkey "$other/fathom.key" -rawin -in "$COPY/SHA256SUMS" -out "$COPY/SHA256SUMS.sig"
	run env FATHOM_KEYS="$BATS_TEST_TMPDIR/none" "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	run "$TOP/scripts/verify" --pubkey "$COPY/fathom.pub" --trust-shipped-key "$COPY"
	assert_failure 2
}

@test "an unlisted file is reported" {
	echo extra > "$COPY/notes.txt"
	touch "$COPY/.hidden" "$COPY/ipxe/extra.efi"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	assert_output --partial "$COPY/ipxe/extra.efi: not listed in SHA256SUMS"
	assert_output --partial "$COPY/notes.txt: not listed in SHA256SUMS"
	assert_output --partial "$COPY/.hidden: not listed in SHA256SUMS"
}

@test "every unlisted entry is reported whatever its name: '..' prefixes, blanks spelling listed names, line breaks" {
	touch "$COPY/..evil" "$COPY/..." "$COPY/ipxe/..x" "$COPY/.hidden" "$COPY/ipxe/.y" \
		"$COPY/vmlinuz initramfs.cpio.zst" "$COPY/vmlinuz " "$COPY/$(printf 'a\nb')" \
		"$COPY/$(printf 'tab\tx')" "$COPY/-n"
	mkdir -p "$COPY/empty" "$COPY/ipxe/sub/deeper"
	touch "$COPY/ipxe/sub/deeper/f"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	for name in ..evil ... ipxe/..x .hidden ipxe/.y "vmlinuz initramfs.cpio.zst" "vmlinuz " \
		"a?b" "tab?x" -n ipxe/sub/deeper/f; do
		assert_line "verify: $COPY/$name: not listed in SHA256SUMS; remove it, or add it to ARTIFACTS in mk/image.mk"
	done
	for name in empty ipxe/sub ipxe/sub/deeper; do
		assert_line "verify: $COPY/$name/: not listed in SHA256SUMS (nothing in it is); remove it, or add it to ARTIFACTS in mk/image.mk"
	done
	assert_line "verify: $COPY: 14 problem(s); do not publish"
}

@test "a signed SHA256SUMS cannot list a name with a blank, a hidden or '..'-prefixed name" {
	h=$(sha256sum < "$COPY/vmlinuz" | cut -d' ' -f1)
	listed=$(wc -l < "$COPY/SHA256SUMS")
	cp "$COPY/vmlinuz" "$COPY/..v"
	cp "$COPY/vmlinuz" "$COPY/.v"
	printf '%s  %s\n' "$h" "vmlinuz initramfs.cpio.zst" "$h" ..v "$h" .v "$h" vmlinuz >> "$COPY/SHA256SUMS"
	resign "$COPY"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	for n in 1 2 3; do
		assert_line "verify: $COPY/SHA256SUMS: line $((listed + n)): not \"SHA256  NAME\"; rebuild with make"
	done
	assert_line "verify: $COPY/SHA256SUMS: line $((listed + 4)): vmlinuz is listed twice; rebuild with make"
	assert_line --partial "verify: $COPY/..v: not listed in SHA256SUMS"
	assert_line --partial "verify: $COPY/.v: not listed in SHA256SUMS"
}

@test "symbolic links are refused: to a file, to a directory, in place of a listed file or directory" {
	ln -s /etc "$COPY/etc"
	ln -s .. "$COPY/ipxe/up"
	cp "$COPY/vmlinuz" "$BATS_TEST_TMPDIR/vmlinuz"
	ln -sf "$BATS_TEST_TMPDIR/vmlinuz" "$COPY/vmlinuz"
	mv "$COPY/ipxe" "$BATS_TEST_TMPDIR/ipxe"
	ln -s "$BATS_TEST_TMPDIR/ipxe" "$COPY/ipxe"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	for name in etc vmlinuz ipxe; do
		assert_line "verify: $COPY/$name: a symbolic link: verify follows none and none may be published; put the file itself in its place, or remove it"
	done
	assert_line --partial "verify: $COPY/vmlinuz: listed in SHA256SUMS but missing, or not a regular file"
	assert_line --partial "verify: $COPY/ipxe/ipxe.efi: listed in SHA256SUMS but missing, or not a regular file"
	# Followed nowhere: the link inside the symlinked directory is not seen.
	refute_output --partial "ipxe/up"
}

@test "machines/ made for this image verifies; a symlinked machines/ is refused" {
	make_machines "$COPY"
	run "$TOP/scripts/verify" "$COPY"
	assert_success
	assert_output --partial "OK, machines/ too (made for this image)"
	mkdir "$BATS_TEST_TMPDIR/elsewhere"
	mv "$COPY/machines" "$BATS_TEST_TMPDIR/elsewhere/machines"
	ln -s "$BATS_TEST_TMPDIR/elsewhere/machines" "$COPY/machines"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	assert_line "verify: $COPY/machines: a symbolic link: verify follows none and none may be published; put the file itself in its place, or remove it"
	refute_output --partial "OK"
	# machines/ must be a directory of the image's own.
	rm "$COPY/machines"
	touch "$COPY/machines"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	assert_line --partial "verify: $COPY/machines: not listed in SHA256SUMS"
}

@test "machines/ is bound to its image: beside another image, without IMAGE, or with IMAGE altered, it is refused" {
	make_machines "$COPY"
	# Another image, signed by the same key: one more file in its list.
	other=$BATS_TEST_TMPDIR/other
	cp -a "$COPY" "$other"
	echo notes > "$other/notes.txt"
	(cd "$other" && sha256sum notes.txt >> SHA256SUMS)
	resign "$other"
	rm -rf "$other/machines"
	run "$TOP/scripts/verify" "$other"
	assert_success
	cp -a "$COPY/machines" "$other/machines"
	run "$TOP/scripts/verify" "$other"
	assert_failure 1
	assert_line "verify: $other/machines/IMAGE: machines/ was made for another image (another SHA256SUMS) than $other/SHA256SUMS; run make machines again for this image, or publish machines/ with its own"
	# IMAGE altered to match: its signature no longer does.
	(cd "$other" && sha256sum SHA256SUMS) > "$other/machines/IMAGE"
	run "$TOP/scripts/verify" "$other"
	assert_failure 1
	assert_line --partial "verify: $other/machines/IMAGE: sha256 differs from SHA256SUMS"
	refute_output --partial "was made for another image"
	# Without IMAGE (and a list re-signed without it): bound to nothing.
	rm "$COPY/machines/IMAGE"
	grep -v ' IMAGE$' "$COPY/machines/SHA256SUMS" > "$BATS_TEST_TMPDIR/sums"
	cp "$BATS_TEST_TMPDIR/sums" "$COPY/machines/SHA256SUMS"
	resign "$COPY/machines"
	run "$TOP/scripts/verify" "$COPY"
	assert_failure 1
	assert_line "verify: $COPY/machines/IMAGE: missing: machines/ names no image it was made for; run make machines again"
}

@test "Ed25519 signatures are deterministic: re-signing gives the same SHA256SUMS.sig" {
	key=$(dirname "$("$TOP/scripts/keys")")/fathom.key
	openssl pkeyutl -sign -inkey "$key" -rawin -in "$ART/SHA256SUMS" -out "$BATS_TEST_TMPDIR/sig"
	cmp "$BATS_TEST_TMPDIR/sig" "$ART/SHA256SUMS.sig"
}

@test "the key directory is outside the work tree, 0700, the private key 0600" {
	pub=$("$TOP/scripts/keys")
	dir=$(realpath "$(dirname "$pub")")
	top=$(realpath "$TOP")
	[[ $dir/ != "$top"/* ]]
	[ "$(stat -c %a "$dir/fathom.key")" = 600 ]
	new=$BATS_TEST_TMPDIR/new/keys
	FATHOM_KEYS=$new "$TOP/scripts/keys"
	[ "$(stat -c %a "$new")" = 700 ]
	[ "$(stat -c %a "$new/fathom.key")" = 600 ]
}

@test "scripts/keys refuses a directory inside the work tree" {
	run env FATHOM_KEYS="$TOP/keys" "$TOP/scripts/keys"
	assert_failure 1
	assert_output --partial "is inside the work tree"
	[ ! -e "$TOP/keys" ]
}
