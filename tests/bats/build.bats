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
	# media.cpio.zst alone, and the rootfs of a boot from a medium: both
	# archives unpacked in the boot loaders' order.
	export MEDIAFS=$BATS_FILE_TMPDIR/media BOTHFS=$BATS_FILE_TMPDIR/both
	mkdir -p "$MEDIAFS" "$BOTHFS"
	zstd -dc "$ART/media.cpio.zst" | (cd "$MEDIAFS" && cpio -idm --quiet --no-absolute-filenames 2>/dev/null)
	for a in initramfs media; do
		zstd -dc "$ART/$a.cpio.zst" | (cd "$BOTHFS" && cpio -idmu --quiet --no-absolute-filenames 2>/dev/null)
	done
}

@test "make produced vmlinuz, initramfs.cpio.zst, media.cpio.zst, manifest.json and a SHA256SUMS that verifies" {
	for f in vmlinuz initramfs.cpio.zst media.cpio.zst manifest.json SHA256SUMS; do
		[ -s "$ART/$f" ]
	done
	run sh -c "cd '$ART' && sha256sum -c SHA256SUMS"
	assert_success
	assert_line "vmlinuz: OK"
	assert_line "initramfs.cpio.zst: OK"
	assert_line "media.cpio.zst: OK"
	assert_line "manifest.json: OK"
}

@test "two builds from different source directories and O= are bit-identical, boot media included" {
	# A copy of the work tree elsewhere (no .git: SOURCE_DATE_EPOCH given,
	# as a release build would, and the description of the image's version
	# (mk/update.mk)), built into another O=.
	src=$BATS_FILE_TMPDIR/src
	mkdir -p "$src"
	tar -C "$TOP" --exclude=./out --exclude=./.git -cf - . | tar -C "$src" -xf -
	sde=$(jq .source_date_epoch "$ART/manifest.json")
	describe=$(cut -d' ' -f2- "$OUTDIR/build/$BOARD/version")
	run make -C "$src" O="$src/other-out" BOARD="$BOARD" SOURCE_DATE_EPOCH="$sde" IMAGE_DESCRIBE="$describe"
	assert_success
	while read -r _ f; do
		cmp "$ART/$f" "$src/other-out/$BOARD/$f"
	done < "$ART/SHA256SUMS"
	for f in SHA256SUMS SHA256SUMS.sig; do
		cmp "$ART/$f" "$src/other-out/$BOARD/$f"
	done
	rm -rf "$src"
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
	for m in virtio_net virtio_pci; do
		grep -q "/$m.ko$" "$ROOTFS/etc/fathom/modules"
	done
	# QEMU's other NICs: loaded at boot, or by coldplug for a device present.
	for m in e1000 e1000e; do
		grep -q "/$m.ko$" "$ROOTFS/etc/fathom/modules" ||
			grep -q "^deps $m .*/$m.ko$" "$ROOTFS/etc/fathom/coldplug"
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
		m=${m%%+*}	# NAME+EXTRA: EXTRA is among NAME's deps
		grep -q "^deps $m " "$table" || { echo "no deps line for $m"; false; }
		grep -q "^alias [^ ]* $m$" "$table" || { echo "no alias for $m"; false; }
	done
	grep -qx 'alias pci:v000010ECd00008139sv\*sd\*bc\*sc\*i\* 8139cp' "$table"
	# 8139cp needs mii, which comes first; the module itself is last.
	grep -q '^deps 8139cp /.*/mii\.ko /.*/8139cp\.ko$' "$table"
	for ko in $(awk '$1 == "deps" { for (i = 3; i <= NF; i++) print $i }' "$table"); do
		[ -f "$ROOTFS$ko" ] || { echo "missing $ko"; false; }
	done
	# Exactly the aliases of the coldplug modules, none of the others.
	kdir=$(awk -v p="$(sed -n 's/^KERNEL_PACKAGE=//p' "$TOP/boards/$BOARD/board.conf")" \
		'$1 == p { print $4 }' "$OUTDIR/build/$BOARD/components")
	awk 'NR == FNR { if ($1 == "deps") want[$2] = 1; next } $1 == "alias" && ($3 in want)' \
		"$table" "$kdir"/lib/modules/*/modules.alias | LC_ALL=C sort > "$BATS_TEST_TMPDIR/want"
	awk '$1 == "alias"' "$table" | LC_ALL=C sort > "$BATS_TEST_TMPDIR/have"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/have"
}

@test "modules.dep lists exactly the modules shipped, for modprobe in the rescue shell" {
	dep=$(echo "$ROOTFS"/lib/modules/*/modules.dep)
	[ -s "$dep" ]
	(cd "${dep%/modules.dep}" && find . -name '*.ko' | sed 's|^\./||' | LC_ALL=C sort) > "$BATS_TEST_TMPDIR/shipped"
	cut -d: -f1 "$dep" | LC_ALL=C sort > "$BATS_TEST_TMPDIR/listed"
	cmp "$BATS_TEST_TMPDIR/shipped" "$BATS_TEST_TMPDIR/listed"
	# Every dependency named is shipped too.
	for ko in $(cut -d: -f2 "$dep"); do
		[ -f "${dep%/modules.dep}/$ko" ] || { echo "modules.dep names $ko, not in the image"; false; }
	done
}

@test "the dynamic loader is shipped once (/lib64's is a link to it), and no file twice" {
	[ -L "$ROOTFS/lib64/ld-linux-x86-64.so.2" ]
	[ "$(readlink "$ROOTFS/lib64/ld-linux-x86-64.so.2")" = /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 ]
	[ -f "$ROOTFS/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ]
	run sh -c "cd '$ROOTFS' && find . -type f -size +0 -exec sha256sum {} + | sort | uniq -D -w64"
	assert_success
	assert_output ""
}

# 4.5 MB until issue 13 brought libjansson4 for ndt7's access tokens (25 KB
# compressed), zlib1g for --compress (libz.so.1) and the test page (12 KB);
# 4.7 MB until issue 14 brought Debian's CA bundle for the platform agent's
# HTTPS clients (148 roots, 217 KiB of PEM: 125 KB compressed); 4.85 MB
# until issue 16 brought persistent state: e2fsck with libext2fs, libblkid,
# libuuid and libcom-err, ext4 with jbd2, mbcache and the CRCs (loaded only
# with a data partition) and virtio_blk: 0.91 MB compressed; 5.75 MB until
# issue 15's uploader (about 40 KB), the update client (17 KB) and the
# installer (dosfstools' mkfs.fat, mke2fs, fathom-install, efivarfs: about
# 81 KB more than the tools p16-state already brought) came: 5.81 MB.
@test "the default board's initramfs.cpio.zst is at most 5.9 MB" {
	[ "$BOARD" = qemu-x86_64 ] || skip "the bound is the default board's"
	size=$(stat -c %s "$ART/initramfs.cpio.zst")
	echo "initramfs.cpio.zst: $size bytes"
	[ "$size" -le 5900000 ]
}

# MEDIA_MODULES of board.conf as module names ('-' and '_' are one).
media_module_names() {
	sed -n 's/^MEDIA_MODULES=//p' "$TOP/boards/$BOARD/board.conf" | tr ' -' '\n_' | grep .
}

@test "media.cpio.zst holds the media modules (those the initramfs lacks) and their list; the initramfs neither" {
	list=$MEDIAFS/etc/fathom/media-modules
	[ -s "$list" ]
	[ ! -e "$ROOTFS/etc/fathom/media-modules" ]
	# Every MEDIA_MODULES module is in the list, or loaded at boot anyway.
	for m in $(media_module_names); do
		cat "$list" "$ROOTFS/etc/fathom/modules" | sed 's|.*/||; s|\.ko$||' | tr - _ | grep -qx "$m" ||
			{ echo "$m: in neither media-modules nor modules"; false; }
	done
	# Each listed module is in one archive: media.cpio.zst unless the
	# initramfs has it already (usbcore, for the coldplugged xHCI).
	while read -r ko; do
		if [ -f "$ROOTFS$ko" ]; then
			[ ! -e "$MEDIAFS$ko" ] || { echo "$ko: in both archives"; false; }
		else
			[ -f "$MEDIAFS$ko" ] || { echo "$ko: listed, in neither archive"; false; }
		fi
	done < "$list"
	# The media archive holds nothing but those modules, its list and modules.dep.
	(cd "$MEDIAFS" && find . -type f | sed 's|^\.||' | LC_ALL=C sort) > "$BATS_TEST_TMPDIR/media-files"
	{ echo /etc/fathom/media-modules; echo "/$(cd "$MEDIAFS" && echo lib/modules/*/modules.dep)"
	  while read -r ko; do [ -f "$ROOTFS$ko" ] || echo "$ko"; done < "$list"; } |
		LC_ALL=C sort > "$BATS_TEST_TMPDIR/media-want"
	cmp "$BATS_TEST_TMPDIR/media-files" "$BATS_TEST_TMPDIR/media-want"
	# No media-only module in the initramfs (usb-storage, isofs).
	[ -z "$(find "$ROOTFS/lib/modules" -name usb-storage.ko -o -name isofs.ko)" ]
	# manifest.json lists its files with their sha256.
	jq -r '.media_initrd.files[] | "\(.sha256)  \(.path)"' "$ART/manifest.json" |
		sed "s|  /|  $MEDIAFS/|" | sha256sum -c --quiet -
	[ "$(jq '.media_initrd.files | length' "$ART/manifest.json")" = "$(wc -l < "$BATS_TEST_TMPDIR/media-files")" ]
}

@test "booted from a medium, modules.dep (media.cpio.zst's, unpacked second) lists exactly both archives' modules" {
	dep=$(echo "$BOTHFS"/lib/modules/*/modules.dep)
	[ -s "$dep" ]
	(cd "${dep%/modules.dep}" && find . -name '*.ko' | sed 's|^\./||' | LC_ALL=C sort) > "$BATS_TEST_TMPDIR/shipped"
	cut -d: -f1 "$dep" | LC_ALL=C sort > "$BATS_TEST_TMPDIR/listed"
	cmp "$BATS_TEST_TMPDIR/shipped" "$BATS_TEST_TMPDIR/listed"
	for ko in $(cut -d: -f2 "$dep"); do
		[ -f "${dep%/modules.dep}/$ko" ] || { echo "modules.dep names $ko, in neither archive"; false; }
	done
	cmp "$MEDIAFS/etc/fathom/media-modules" "$BOTHFS/etc/fathom/media-modules"
	cmp "$ROOTFS/init" "$BOTHFS/init"
}

@test "busybox: Debian's dynamic one, its libraries in the image, and the applets the image and docs use" {
	[ -x "$ROOTFS/bin/busybox" ]
	for lib in $(readelf -d "$ROOTFS/bin/busybox" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -f "$ROOTFS/lib/x86_64-linux-gnu/$lib" ] || { echo "busybox needs $lib, not in the image"; false; }
	done
	# sysctl (ndt7-bbr), httpd (the PXE tests), the power applets
	# (init/main.c), and the rescue shell's sh, ps, dmesg, modprobe.
	for a in sbin/sysctl bin/sh bin/ps bin/dmesg sbin/modprobe sbin/poweroff sbin/reboot sbin/halt usr/sbin/httpd; do
		[ "$(readlink "$ROOTFS/$a")" = /bin/busybox ] || { echo "/$a: not a busybox applet"; false; }
	done
	if [ "$(id -u)" = 0 ]; then
		run chroot "$ROOTFS" /bin/sh -c 'echo ok from $(uname -s)'
		assert_output "ok from Linux"
	fi
}

@test "MODULE_STRIP: the default board's modules are stripped (no local symbols, no signature), modinfo still reads them" {
	[ "$BOARD" = qemu-x86_64 ] || skip "the default board's MODULE_STRIP"
	ko=$(find "$ROOTFS/lib/modules" -name e1000e.ko)
	[ -f "$ko" ]
	run modinfo -F sig_id "$ko"
	assert_output ""
	run modinfo -F alias "$ko"
	assert_output --partial "pci:v00008086d"
	run jq -r '.initramfs.files[] | select(.path | endswith("/e1000e.ko")) | .from' "$ART/manifest.json"
	assert_output --regexp "^linux-image-[^ ]+ [^ ]+ \(stripped\)$"
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
	for p in linux-image busybox iperf3 libc6; do
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

# Boot media, opened as an operator's tools would (no mount, no root).
media_file() { # media_file IMG|ISO PATH: a file's bytes from a medium
	local tmp
	case $1 in
	*.img) MTOOLS_SKIP_CHECK=1 mcopy -n -i "$1@@1M" "::$2" - ;;
	*.iso)
		tmp=$(mktemp -u "$BATS_TEST_TMPDIR/iso.XXXXXX")
		xorriso -osirrox on -indev "$1" -extract "$2" "$tmp" 2>/dev/null && cat "$tmp"
		rm -f "$tmp"
		;;
	esac
}

@test "fathom.img: GPT with one EFI system partition, legacy-BIOS-bootable, behind SYSLINUX's GPT MBR" {
	run sfdisk -d "$ART/fathom.img"
	assert_success
	assert_output --partial "label: gpt"
	assert_output --regexp "fathom.img1 : start= *2048, size= *[0-9]+, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=[0-9A-F-]+, name=\"FATHOM\", attrs=\"LegacyBIOSBootable\""
	gptmbr=$(awk '$1 == "syslinux-common" { print $4 }' "$OUTDIR/build/$BOARD/media-components")/usr/lib/syslinux/mbr/gptmbr.bin
	cmp -n 440 "$gptmbr" "$ART/fathom.img"
	run file -s "$ART/fathom.img"
	assert_output --partial "DOS/MBR boot sector"
}

@test "fathom.img and fathom.iso carry the built kernel, initramfs and media.cpio.zst, the fathom.conf template, and boot loaders with one command line, loading both initrds" {
	id_cmdline="$(sed -n 's/^CMDLINE=//p' "$TOP/boards/$BOARD/board.conf") fathom.media="
	for m in "$ART/fathom.img" "$ART/fathom.iso"; do
		media_file "$m" /boot/vmlinuz > "$BATS_TEST_TMPDIR/k"
		cmp "$BATS_TEST_TMPDIR/k" "$ART/vmlinuz"
		media_file "$m" /boot/initramfs.cpio.zst > "$BATS_TEST_TMPDIR/i"
		cmp "$BATS_TEST_TMPDIR/i" "$ART/initramfs.cpio.zst"
		media_file "$m" /boot/media.cpio.zst > "$BATS_TEST_TMPDIR/mi"
		cmp "$BATS_TEST_TMPDIR/mi" "$ART/media.cpio.zst"
		run media_file "$m" /fathom.conf
		assert_output --partial "#ipv4=192.0.2.10/26,192.0.2.1,192.0.2.53"
		run grep -v '^#' <<< "$output"
		assert_output ""
		run media_file "$m" /boot/grub/grub.cfg
		assert_output --regexp "linux /boot/vmlinuz ${id_cmdline}[0-9a-f]{16}"
		assert_line "	initrd /boot/initramfs.cpio.zst /boot/media.cpio.zst"
		id=$(echo "$output" | sed -n 's/.*fathom.media=\([0-9a-f]*\).*/\1/p')
		run media_file "$m" "/boot/fathom-$id"
		assert_output "$id"
		case $m in
		*.img) run media_file "$m" /boot/syslinux/syslinux.cfg ;;
		*.iso) run media_file "$m" /boot/isolinux/isolinux.cfg ;;
		esac
		assert_line "  APPEND ${id_cmdline}$id"
		assert_line "  INITRD /boot/initramfs.cpio.zst,/boot/media.cpio.zst"
		assert_line "SERIAL 0 115200"
	done
	MTOOLS_SKIP_CHECK=1 mdir -i "$ART/fathom.img@@1M" ::/EFI/BOOT/BOOTX64.EFI
	MTOOLS_SKIP_CHECK=1 mdir -a -i "$ART/fathom.img@@1M" ::/boot/syslinux/ldlinux.sys
}

@test "fathom.iso: El Torito entries for BIOS (ISOLINUX) and UEFI (a FAT image with GRUB), dd-able (MBR and GPT)" {
	run xorriso -indev "$ART/fathom.iso" -report_el_torito plain
	assert_success
	assert_output --regexp "El Torito boot img : +1 +BIOS +y +none"
	assert_output --regexp "El Torito boot img : +2 +UEFI +y +none"
	assert_output --regexp "El Torito img path : +1 +/boot/isolinux/isolinux.bin"
	assert_output --regexp "El Torito img path : +2 +/boot/efi.img"
	assert_output --partial "Boot record  : El Torito , MBR isohybrid cyl-align-on GPT"
	run xorriso -indev "$ART/fathom.iso" -report_system_area plain
	assert_output --regexp "GPT partition path : +2 +/boot/efi.img"
	media_file "$ART/fathom.iso" /boot/efi.img > "$BATS_TEST_TMPDIR/efi.img"
	MTOOLS_SKIP_CHECK=1 mdir -i "$BATS_TEST_TMPDIR/efi.img" ::/EFI/BOOT/BOOTX64.EFI
	run xorriso -indev "$ART/fathom.iso" -pvd_info
	assert_output --partial "Volume Id    : FATHOM"
}

@test "the iPXE binaries are Debian's, unchanged, and listed with their version in manifest.json" {
	d=$(awk '$1 == "ipxe" { print $4 }' "$OUTDIR/build/$BOARD/ipxe-components")
	cmp "$ART/ipxe/ipxe.efi" "$d/boot/ipxe.efi"
	cmp "$ART/ipxe/ipxe.lkrn" "$d/boot/ipxe.lkrn"
	cmp "$ART/ipxe/snponly.efi" "$d/usr/lib/ipxe/snponly.efi"
	cmp "$ART/ipxe/undionly.kpxe" "$d/usr/lib/ipxe/undionly.kpxe"
	run jq -r '.components[] | select(.package == "ipxe" or .package == "syslinux-common" or .package == "isolinux" or .package == "grub-efi-amd64-bin") | .package' "$ART/manifest.json"
	assert_output "$(printf '%s\n' syslinux-common isolinux grub-efi-amd64-bin ipxe)"
	run jq -r '.artifacts[].name' "$ART/manifest.json"
	assert_line fathom.img
	assert_line fathom.iso
	assert_line media.cpio.zst
	assert_line ipxe/ipxe.efi
}

@test "the ndt7 service (board SERVICES): server, library closure from Debian, service file, user and owned directories" {
	cmp "$ROOTFS/usr/sbin/ndt7-server" "$OUTDIR/build/$BOARD/ndt7-server"
	cmp "$ROOTFS/etc/fathom/services/ndt7" "$TOP/services/ndt7/ndt7.service"
	grep -qx 'user=ndt7' "$ROOTFS/etc/fathom/services/ndt7"
	grep -qx 'capabilities=CAP_NET_BIND_SERVICE' "$ROOTFS/etc/fathom/services/ndt7"
	grep -qx 'after=network' "$ROOTFS/etc/fathom/services/ndt7"
	grep -q '^exec=/usr/sbin/ndt7-server ' "$ROOTFS/etc/fathom/services/ndt7"
	# Its interpreter and every library it (or a library) needs, each
	# from a Debian package according to manifest.json.
	interp=$(readelf -l "$ROOTFS/usr/sbin/ndt7-server" | sed -n 's/.*program interpreter: \(.*\)\]/\1/p')
	[ -f "$ROOTFS$interp" ]
	for lib in $(readelf -d "$ROOTFS/usr/sbin/ndt7-server" "$ROOTFS"/lib/x86_64-linux-gnu/*.so* |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u); do
		[ -f "$ROOTFS/lib/x86_64-linux-gnu/$lib" ] || { echo "missing $lib"; false; }
	done
	for lib in libssl.so.3:libssl3 libcrypto.so.3:libssl3 libz.so.1:zlib1g \
		libjansson.so.4:libjansson4 libm.so.6:libc6 libc.so.6:libc6; do
		jq -e --arg p "/lib/x86_64-linux-gnu/${lib%:*}" --arg pkg "${lib#*:} " \
			'[.initramfs.files[] | select(.path == $p) | .from | startswith($pkg)] == [true]' \
			"$ART/manifest.json" > /dev/null || { echo "${lib%:*} is not from ${lib#*:}"; false; }
	done
	# It runs inside the image, with the image's loader and libraries only.
	if [ "$(id -u)" = 0 ]; then
		run chroot "$ROOTFS" /usr/sbin/ndt7-server --ws-port 0 --wss-port 0
		assert_equal "$status" 2
		assert_output --partial "both ports are off"
	fi
	# Owners and modes as the archive stores them (not as extracted here).
	grep -qx 'ndt7:x:101:101:[^:]*:/nonexistent:/bin/false' "$ROOTFS/etc/passwd"
	grep -qx 'ndt7:x:101:platform,uploader' "$ROOTFS/etc/group"
	grep -qx 'platform:x:102:102:[^:]*:/nonexistent:/bin/false' "$ROOTFS/etc/passwd"
	grep -qx 'platform:x:102:uploader' "$ROOTFS/etc/group"
	run sh -c "zstd -dc '$ART/initramfs.cpio.zst' | cpio -tv --numeric-uid-gid --quiet"
	assert_line --regexp '^drwx------ +2 101 +101 .* var/lib/ndt7$'
	assert_line --regexp '^drwxr-xr-x +2 101 +101 .* var/spool/ndt7$'
	assert_line --regexp '^-rwxr-xr-x +1 0 +0 .* usr/sbin/ndt7-server$'
	# BBR for it: the module loaded at boot, and allowed to unprivileged users.
	grep -q '/tcp_bbr\.ko$' "$ROOTFS/etc/fathom/modules"
	grep -qx 'net.ipv4.tcp_allowed_congestion_control = .*\bbbr\b.*' "$ROOTFS/etc/fathom/ndt7-bbr.conf"
	grep -qx 'exec=/sbin/sysctl -p /etc/fathom/ndt7-bbr.conf' "$ROOTFS/etc/fathom/services/ndt7-bbr"
}

@test "the platform agent (board SERVICES): binary, service files, its directories and their owners" {
	cmp "$ROOTFS/usr/sbin/platform-agent" "$OUTDIR/build/$BOARD/platform-agent"
	cmp "$ROOTFS/etc/fathom/services/platform" "$TOP/services/platform/platform.service"
	grep -qx 'user=platform' "$ROOTFS/etc/fathom/services/platform"
	grep -qx 'after=network' "$ROOTFS/etc/fathom/services/platform"
	grep -qx 'restart=always' "$ROOTFS/etc/fathom/services/platform"
	grep -q '^exec=/usr/sbin/platform-agent --settings platform --tls-dir /var/lib/platform-tls$' \
		"$ROOTFS/etc/fathom/services/platform"
	# The /run directories: a root one-shot before the network (no after=).
	grep -qx 'exec=/usr/sbin/platform-dirs' "$ROOTFS/etc/fathom/services/platform-dirs"
	grep -qx 'restart=never' "$ROOTFS/etc/fathom/services/platform-dirs"
	! grep -q '^after=' "$ROOTFS/etc/fathom/services/platform-dirs"
	# ndt7 reads the agent's outputs.
	for o in "--token-machine-file /run/fathom/platform/hostname" "--acme-challenge-dir /run/fathom/acme" \
		"--cert /var/lib/platform-tls/cert.pem" "--key /var/lib/platform-tls/key.pem"; do
		grep -q -- " $o\b" "$ROOTFS/etc/fathom/services/ndt7" || { echo "ndt7 lacks $o"; false; }
	done
	run sh -c "zstd -dc '$ART/initramfs.cpio.zst' | cpio -tv --numeric-uid-gid --quiet"
	assert_line --regexp '^drwxr-x--- +2 102 +102 .* var/lib/platform$'
	assert_line --regexp '^drwxr-x--- +2 102 +104 .* var/lib/platform-tls$'
	assert_line --regexp '^-rwxr-xr-x +1 0 +0 .* usr/sbin/platform-agent$'
	assert_line --regexp '^-rwxr-xr-x +1 0 +0 .* usr/sbin/platform-dirs$'
	# Run with no settings in the image's root: one line, then it waits.
	if [ "$(id -u)" = 0 ]; then
		chroot "$ROOTFS" /usr/sbin/platform-agent --settings platform > "$BATS_TEST_TMPDIR/log" 2>&1 &
		pid=$!
		sleep 1
		kill -0 "$pid"
		kill -TERM "$pid"
		wait "$pid"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/log")" \
			"platform: no API key configured; not joining (see docs/operators-guide.md)"
	fi
}

@test "the uploader (board SERVICES): binary, service file, user in groups ndt7 and platform, its directory" {
	cmp "$ROOTFS/usr/sbin/uploader" "$OUTDIR/build/$BOARD/uploader"
	cmp "$ROOTFS/etc/fathom/services/uploader" "$TOP/services/uploader/uploader.service"
	grep -qx 'user=uploader' "$ROOTFS/etc/fathom/services/uploader"
	grep -qx 'after=network' "$ROOTFS/etc/fathom/services/uploader"
	grep -q '^exec=/usr/sbin/uploader --settings upload --spool-dir /var/spool/ndt7 ' \
		"$ROOTFS/etc/fathom/services/uploader"
	grep -qx 'uploader:x:103:103:[^:]*:/nonexistent:/bin/false' "$ROOTFS/etc/passwd"
	grep -qx 'uploader:x:103:' "$ROOTFS/etc/group"
	# Below ndt7's own spool bound, which stays the last resort.
	up=$(sed -n '/^exec=/s/.*--spool-max-bytes \([0-9]*\).*/\1/p' "$ROOTFS/etc/fathom/services/uploader")
	nd=$(sed -n '/^exec=/s/.*--spool-max-bytes \([0-9]*\).*/\1/p' "$ROOTFS/etc/fathom/services/ndt7")
	[ "$up" -lt "$nd" ]
	grep -q 'chown uploader:uploader /run/fathom/uploader' "$ROOTFS/usr/sbin/platform-dirs"
	run sh -c "zstd -dc '$ART/initramfs.cpio.zst' | cpio -tv --numeric-uid-gid --quiet"
	assert_line --regexp '^drwx------ +2 103 +103 .* var/lib/uploader$'
	assert_line --regexp '^-rwxr-xr-x +1 0 +0 .* usr/sbin/uploader$'
	# In the image's root with no registration: one line, then it waits.
	if [ "$(id -u)" = 0 ]; then
		chroot "$ROOTFS" /usr/sbin/uploader --settings upload --status-file /tmp/upstatus \
			> "$BATS_TEST_TMPDIR/log" 2>&1 &
		pid=$!
		sleep 1
		kill -0 "$pid"
		kill -TERM "$pid"
		wait "$pid"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/log")" \
			"uploader: waiting for the registration (/var/lib/platform/registration.json); trying again every 10 s"
	fi
}

@test "the CA bundle for HTTPS clients: Debian's certificates, in /etc/ssl/certs/ca-certificates.crt 0644, parsed by openssl, reproducible" {
	b=$ROOTFS/etc/ssl/certs/ca-certificates.crt
	run sh -c "zstd -dc '$ART/initramfs.cpio.zst' | cpio -tv --numeric-uid-gid --quiet"
	assert_line --regexp '^-rw-r--r-- +1 0 +0 .* etc/ssl/certs/ca-certificates\.crt$'
	run openssl storeutl -noout -certs "$b"
	assert_success
	n=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$b")
	[ "$n" -ge 100 ]
	assert_line "Total found: $n"
	# A root the platform's endpoints chain to (Let's Encrypt's).
	openssl storeutl -noout -text -certs "$b" | grep -Eq 'Subject: C ?= ?US, O ?= ?Internet Security Research Group, CN ?= ?ISRG Root X1$'
	# The package's certificates, in name order, nothing else.
	jq -e '[.initramfs.files[] | select(.path == "/etc/ssl/certs/ca-certificates.crt")] | length == 1' \
		"$ART/manifest.json" > /dev/null
	pkg=$(awk '$1 == "ca-certificates" { print $4 }' "$OUTDIR/build/$BOARD/components")
	cmp "$b" <(cd "$pkg/usr/share/ca-certificates" && find . -name '*.crt' | LC_ALL=C sort |
		while read -r c; do cat "$c"; [ -z "$(tail -c 1 "$c")" ] || echo; done)
}

@test "the rescue shell shows the services' status at login; fathom-status prints /run/fathom/*/status" {
	grep -qx '\[ -x /usr/bin/fathom-status \] && /usr/bin/fathom-status' "$ROOTFS/etc/profile"
	run sh -c "zstd -dc '$ART/initramfs.cpio.zst' | cpio -tv --numeric-uid-gid --quiet"
	assert_line --regexp '^-rwxr-xr-x +1 0 +0 .* usr/bin/fathom-status$'
	[ "$(id -u)" = 0 ] || skip "chroot needs root"
	run=$ROOTFS/tmp/run
	rm -rf "$run"
	# Nothing reports yet: says so, exit 1.
	run chroot "$ROOTFS" /bin/sh -c 'FATHOM_RUN=/tmp/run /usr/bin/fathom-status'
	assert_equal "$status" 1
	assert_output "fathom-status: no service reports a status yet (/tmp/run/*/status)"
	mkdir -p "$run/platform" "$run/ndt7" "$run/empty"
	echo "platform: registered as ndt-lga0x-c0a80001.mlab.sandbox.measurement-lab.org; heartbeat ok 3 s ago" \
		> "$run/platform/status"
	printf 'serving\033[2J 2 tests\nsecond line\n' > "$run/ndt7/status"
	: > "$run/empty/status"
	touch -d '-10 minutes' "$run/empty/status"
	# As the login shell runs it: /etc/profile.
	run chroot "$ROOTFS" /bin/sh -c 'export FATHOM_RUN=/tmp/run; . /etc/profile'
	assert_success
	assert_output "$(printf '%s\n' 'empty: (empty status) (written 600 s ago: is the service running?)' \
		'ndt7: serving[2J 2 tests' \
		'platform: registered as ndt-lga0x-c0a80001.mlab.sandbox.measurement-lab.org; heartbeat ok 3 s ago')"
	rm -rf "$run"
}

@test "the ndt7 test page: ours and M-Lab's ndt7-js in /usr/share/ndt7/www, served by the image's server at /" {
	for f in index.html page.js page.css; do
		cmp "$ROOTFS/usr/share/ndt7/www/$f" "$TOP/services/ndt7/www/$f"
	done
	for f in ndt7.js ndt7-download-worker.js ndt7-upload-worker.js; do
		cmp "$ROOTFS/usr/share/ndt7/www/$f" "$OUTDIR/build/$BOARD/ndt7-www/$f"
	done
	grep -q 'window.ndt7 = ndt7' "$ROOTFS/usr/share/ndt7/www/ndt7.js"
	grep -q 'Apache License' "$ROOTFS/usr/share/ndt7/LICENSE.ndt7-js"
	[ "$(ls "$ROOTFS/usr/share/ndt7/www" | wc -l)" -eq 6 ]
	# The image's server finds it where it looks by default (--www-dir).
	[ "$(id -u)" = 0 ] || skip "chroot needs root"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	chroot "$ROOTFS" /usr/sbin/ndt7-server --ws-port "$port" --wss-port 0 --listen 127.0.0.1 \
		--workers 1 > "$BATS_TEST_TMPDIR/ndt7.log" 2>&1 3>&- &
	pid=$!
	for _ in $(seq 50); do
		grep -q ' ready: ' "$BATS_TEST_TMPDIR/ndt7.log" && break
		sleep 0.1
	done
	run curl -sS --max-time 10 "http://127.0.0.1:$port/"
	kill "$pid"
	wait "$pid" || true
	grep -q 'test page: 6 files from /usr/share/ndt7/www' "$BATS_TEST_TMPDIR/ndt7.log"
	assert_output "$(cat "$TOP/services/ndt7/www/index.html")"
}
