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
}

setup() {
	COPY=$BATS_TEST_TMPDIR/out
	cp -a "$ART" "$COPY"
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

@test "without an operator key, verify falls back to DIR/fathom.pub with a warning" {
	run env FATHOM_KEYS="$BATS_TEST_TMPDIR/none" "$TOP/scripts/verify" "$COPY"
	assert_success
	assert_output --partial "warning: no operator key; trusting $COPY/fathom.pub"
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
