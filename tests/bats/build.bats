#!/usr/bin/env bats
# What `make` produces, checked as an operator would: artifacts, their
# reproducibility, and what is inside the initramfs.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup_file() {
	export OUTDIR=${FATHOM_OUT:-$BATS_TEST_DIRNAME/../../out}
	export BOARD=${FATHOM_BOARD:-qemu-x86_64}
	export ART=$OUTDIR/$BOARD
	export TOP=$BATS_TEST_DIRNAME/../..
	# The unpacked initramfs, shared by the tests below.
	export ROOTFS=$BATS_FILE_TMPDIR/rootfs
	mkdir -p "$ROOTFS"
	zstd -dc "$ART/initramfs.cpio.zst" | (cd "$ROOTFS" && cpio -idm --quiet --no-absolute-filenames 2>/dev/null)
}

@test "make produced vmlinuz, initramfs.cpio.zst, manifest.json and a SHA256SUMS that verifies" {
	for f in vmlinuz initramfs.cpio.zst manifest.json SHA256SUMS; do
		[ -s "$ART/$f" ]
	done
	run sh -c "cd '$ART' && sha256sum -c SHA256SUMS"
	assert_success
	assert_line "vmlinuz: OK"
	assert_line "initramfs.cpio.zst: OK"
	assert_line "manifest.json: OK"
}

@test "two builds with different O= produce identical initramfs.cpio.zst and SHA256SUMS" {
	other=$BATS_FILE_TMPDIR/other-out
	run make -C "$TOP" O="$other" BOARD="$BOARD"
	assert_success
	cmp "$ART/initramfs.cpio.zst" "$other/$BOARD/initramfs.cpio.zst"
	cmp "$ART/SHA256SUMS" "$other/$BOARD/SHA256SUMS"
	cmp "$ART/manifest.json" "$other/$BOARD/manifest.json"
	rm -rf "$other"
}

@test "a second make with a warm cache downloads nothing and rebuilds nothing" {
	before=$(stat -c %Y "$ART/initramfs.cpio.zst")
	run make -C "$TOP" O="$OUTDIR" BOARD="$BOARD"
	assert_success
	refute_output --partial "FETCH"
	refute_output --partial "  CC "
	refute_output --partial "  GEN "
	[ "$(stat -c %Y "$ART/initramfs.cpio.zst")" = "$before" ]
}

@test "/init in the archive is a static binary, and the init we built" {
	run file "$ROOTFS/init"
	assert_output --partial "statically linked"
	run readelf -l "$ROOTFS/init"
	refute_output --partial "INTERP"
	cmp "$ROOTFS/init" "$OUTDIR/build/$BOARD/init"
}

@test "the initramfs holds the board's modules and the list init loads them from" {
	[ -s "$ROOTFS/etc/fathom/modules" ]
	for m in virtio_net e1000 e1000e virtio_pci; do
		grep -q "/$m.ko$" "$ROOTFS/etc/fathom/modules"
	done
	# Dependencies come before the modules that need them.
	run grep -n . "$ROOTFS/etc/fathom/modules"
	virtio=$(grep -n '/virtio.ko$' "$ROOTFS/etc/fathom/modules" | cut -d: -f1)
	net=$(grep -n '/virtio_net.ko$' "$ROOTFS/etc/fathom/modules" | cut -d: -f1)
	[ "$virtio" -lt "$net" ]
	while read -r ko; do [ -f "$ROOTFS$ko" ]; done < "$ROOTFS/etc/fathom/modules"
}

@test "the coldplug table lists COLDPLUG_MODULES with their aliases, and every .ko it names is in the image" {
	table=$ROOTFS/etc/fathom/coldplug
	[ -s "$table" ]
	for m in $(sed -n 's/^COLDPLUG_MODULES=//p' "$TOP/boards/$BOARD/board.conf" | tr - _); do
		grep -q "^deps $m " "$table" || { echo "no deps line for $m"; false; }
		grep -q "^alias [^ ]* $m$" "$table" || { echo "no alias for $m"; false; }
	done
	grep -qx 'alias pci:v000010ECd00008139sv\*sd\*bc\*sc\*i\* 8139cp' "$table"
	# 8139cp needs mii, which comes first; the module itself is last.
	grep -q '^deps 8139cp /.*/mii\.ko /.*/8139cp\.ko$' "$table"
	for ko in $(awk '$1 == "deps" { for (i = 3; i <= NF; i++) print $i }' "$table"); do
		[ -f "$ROOTFS$ko" ] || { echo "missing $ko"; false; }
	done
	# Only aliases of shipped modules: the table stays small.
	[ "$(awk '$1 == "alias"' "$table" | wc -l)" -lt 200 ]
}

@test "iperf3 and its whole library closure are in the image, the service declared by the board" {
	[ -x "$ROOTFS/usr/bin/iperf3" ]
	for lib in $(readelf -d "$ROOTFS/usr/bin/iperf3" "$ROOTFS"/lib/x86_64-linux-gnu/*.so* |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u); do
		[ -f "$ROOTFS/lib/x86_64-linux-gnu/$lib" ] || { echo "missing $lib"; false; }
	done
	grep -q '^exec=/usr/bin/iperf3 ' "$ROOTFS/etc/fathom/services/iperf3"
	grep -q '^user=iperf3$' "$ROOTFS/etc/fathom/services/iperf3"
}

@test "manifest.json lists every file of the initramfs with its sha256, and every component's version" {
	jq -r '.initramfs.files[].path' "$ART/manifest.json" | sort > "$BATS_TEST_TMPDIR/listed"
	(cd "$ROOTFS" && find . -type f | sed 's|^\.||' | sort) > "$BATS_TEST_TMPDIR/present"
	run diff "$BATS_TEST_TMPDIR/listed" "$BATS_TEST_TMPDIR/present"
	assert_success
	jq -r '.initramfs.files[] | "\(.sha256)  \(.path)"' "$ART/manifest.json" |
		sed "s|  /|  $ROOTFS/|" | sha256sum -c --quiet -
	for p in linux-image busybox-static iperf3 libc6; do
		jq -e --arg p "$p" '[.components[] | select(.package | startswith($p)) | .version | length > 0] | any' \
			"$ART/manifest.json"
	done
}

@test "an unknown BOARD fails with a message naming the boards that exist" {
	run make -C "$TOP" BOARD=no-such-board
	assert_failure
	assert_output --partial "BOARD=no-such-board: no boards/no-such-board/board.conf"
	assert_output --partial "qemu-x86_64"
}

@test "mkcpio rejects a bad manifest with the line number and exit code 1" {
	printf 'dir /etc 0755 0 0\nfile /etc/x /nonexistent 0999 0 0\n' > "$BATS_TEST_TMPDIR/bad.manifest"
	run "$OUTDIR/build/host/mkcpio" -o "$BATS_TEST_TMPDIR/x.cpio" "$BATS_TEST_TMPDIR/bad.manifest"
	assert_equal "$status" 1
	assert_output --partial "bad.manifest:2:"
	[ ! -e "$BATS_TEST_TMPDIR/x.cpio" ]
}

@test "make help lists the targets" {
	run make -C "$TOP" help
	assert_success
	for t in all check check-quick run clean; do
		assert_output --partial "  $t"
	done
}
