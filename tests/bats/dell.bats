#!/usr/bin/env bats
# The dell-poweredge board: every PowerEdge NIC driver with the firmware it
# declares, nothing more; a declared firmware file missing from the board's
# firmware packages fails the build, naming the file.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup_file() {
	export OUTDIR=${FATHOM_OUT:-$BATS_TEST_DIRNAME/../../out}
	export TOP=$BATS_TEST_DIRNAME/../..
	export ART=$OUTDIR/dell-poweredge
	make -s -C "$TOP" O="$OUTDIR" BOARD=dell-poweredge > "$BATS_FILE_TMPDIR/make.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/make.log" >&2; return 1; }
	export ROOTFS=$BATS_FILE_TMPDIR/rootfs
	mkdir -p "$ROOTFS"
	zstd -dc "$ART/initramfs.cpio.zst" | (cd "$ROOTFS" && cpio -idm --quiet --no-absolute-filenames 2>/dev/null)
	# The boot media's second initrd, alone.
	export MEDIAFS=$BATS_FILE_TMPDIR/media
	mkdir -p "$MEDIAFS"
	zstd -dc "$ART/media.cpio.zst" | (cd "$MEDIAFS" && cpio -idm --quiet --no-absolute-filenames 2>/dev/null)
	export KVER
	KVER=$(ls "$ROOTFS/lib/modules")
}

@test "every PowerEdge NIC driver is in the image with its whole dependency closure, in the coldplug table" {
	for m in ixgbe i40e ice bnxt_en tg3 bnx2x mlx4_core mlx4_en mlx5_core igb e1000e; do
		run find "$ROOTFS/lib/modules/$KVER" -name "$m.ko"
		assert_output --regexp "/$m\.ko$"
		# Every dependency modinfo names is shipped too.
		for dep in $(modinfo -F depends "$output" | tr , ' '); do
			[ -n "$(find "$ROOTFS/lib/modules/$KVER" -name "$dep.ko" -o -name "$(echo "$dep" | tr _ -).ko")" ] ||
				{ echo "$m needs $dep, which is not in the image"; return 1; }
		done
	done
	for m in ixgbe i40e ice bnxt_en tg3 bnx2x mlx4_core mlx5_core igb e1000e; do
		grep -q "^deps $m " "$ROOTFS/etc/fathom/coldplug"
		grep -q " $m$" "$ROOTFS/etc/fathom/coldplug"
	done
	# mlx4_en has no PCI alias of its own: it comes with mlx4_core.
	run grep "^deps mlx4_core " "$ROOTFS/etc/fathom/coldplug"
	assert_output --regexp "/mlx4_core\.ko .*/mlx4_en\.ko$"
}

@test "every firmware file the shipped modules declare is in /lib/firmware, from Debian's packages, and nothing else" {
	want=$BATS_TEST_TMPDIR/want
	find "$ROOTFS/lib/modules" -name '*.ko' -exec modinfo -F firmware {} \; | sort -u > "$want"
	[ "$(wc -l < "$want")" -ge 11 ]	# bnx2x x6, ice.pkg, tigon x4
	grep -qx "intel/ice/ddp/ice.pkg" "$want"
	grep -qx "tigon/tg3_tso5.bin" "$want"
	(cd "$ROOTFS/lib/firmware" && find . -type f | sed 's|^\./||' | sort) > "$BATS_TEST_TMPDIR/have"
	run diff "$want" "$BATS_TEST_TMPDIR/have"
	assert_success
	misc=$(jq -r '.components[] | select(.package == "firmware-misc-nonfree") | .version' "$ART/manifest.json")
	[ -n "$misc" ]
	run jq -r '.initramfs.files[] | select(.path == "/lib/firmware/intel/ice/ddp/ice.pkg") | .from' "$ART/manifest.json"
	assert_output "firmware-misc-nonfree $misc"
}

@test "storage, USB HID and iDRAC USB NIC drivers are in; the console is tty0 and ttyS1 (iDRAC SOL)" {
	for m in megaraid_sas mpt3sas nvme ahci usbhid hid-generic cdc_ether rndis_host xhci-pci ehci-pci; do
		run find "$ROOTFS/lib/modules/$KVER" -name "$m.ko"
		assert_output --regexp "/$m\.ko$"
	done
	# Virtual media's drivers: in media.cpio.zst, listed in its media-modules.
	for m in usb-storage sr_mod isofs vfat; do
		run find "$MEDIAFS/lib/modules/$KVER" -name "$m.ko"
		assert_output --regexp "/$m\.ko$"
		grep -q "/$m\.ko$" "$MEDIAFS/etc/fathom/media-modules"
		[ -z "$(find "$ROOTFS/lib/modules/$KVER" -name "$m.ko")" ]
	done
	run sed -n 's/^CMDLINE=//p' "$TOP/boards/dell-poweredge/board.conf"
	assert_output --regexp "console=tty0 console=ttyS1,115200n8"
}

@test "a declared firmware file missing from FIRMWARE_PACKAGES fails the build, naming it; FIRMWARE_OPTIONAL lets it go" {
	board=$BATS_TEST_TMPDIR/fwtest
	mkdir -p "$board"
	# Services built here are beside the point (their binaries are in the
	# board's build directory, not this one).
	sed -e 's/^FIRMWARE_PACKAGES=.*/FIRMWARE_PACKAGES=firmware-misc-nonfree/' -e 's/^SERVICES=.*/SERVICES=/' \
		-e "s|^OVERLAYS=.*|OVERLAYS=$(cd "$TOP/boards/qemu-x86_64/overlay" && pwd)|" \
		"$TOP/boards/dell-poweredge/board.conf" > "$board/board.conf"
	# As the Makefile runs it, with the init already built for the board.
	mkinit() {
		"$TOP/image/mkinitramfs" "$board" "$BATS_TEST_TMPDIR/build" "$BATS_TEST_TMPDIR/out" \
			"$OUTDIR/build/dell-poweredge/init" "$OUTDIR/build/host/mkcpio"
	}
	run mkinit
	assert_failure
	assert_output --partial "firmware bnx2x/bnx2x-e1-7.13.15.0.fw (declared by module bnx2x) is in none of FIRMWARE_PACKAGES (firmware-misc-nonfree): add its Debian package (non-free-firmware) to $board/board.conf, or list it in FIRMWARE_OPTIONAL"
	[ ! -e "$BATS_TEST_TMPDIR/out/initramfs.cpio.zst" ]
	sed -i 's|^FIRMWARE_OPTIONAL=.*|FIRMWARE_OPTIONAL=bnx2x/*|' "$board/board.conf"
	run mkinit
	assert_success
	assert_output --partial "bnx2x/bnx2x-e2-7.13.21.0.fw (for bnx2x): not in FIRMWARE_PACKAGES; optional, skipped"
	[ -s "$BATS_TEST_TMPDIR/out/initramfs.cpio.zst" ]
	run grep -c "^file /lib/firmware/bnx2x/" "$BATS_TEST_TMPDIR/build/initramfs.manifest"
	assert_output 0
}

@test "the image's size is printed, and the firmware is only what is referenced (under 3 MB)" {
	run make -C "$TOP" O="$OUTDIR" BOARD=dell-poweredge
	assert_output --regexp "initramfs.cpio.zst +[0-9.]+MB"
	assert_output --regexp "media.cpio.zst +[0-9.]+KB"
	[ "$(du -sk "$ROOTFS/lib/firmware" | cut -f1)" -lt 3072 ]
}

@test "dell's fathom.img and fathom.iso carry its media.cpio.zst, and their boot loaders load it after the initramfs" {
	for m in fathom.img fathom.iso; do
		case $m in
		*.img)
			MTOOLS_SKIP_CHECK=1 mcopy -n -i "$ART/$m@@1M" ::/boot/media.cpio.zst "$BATS_TEST_TMPDIR/m"
			MTOOLS_SKIP_CHECK=1 mcopy -n -i "$ART/$m@@1M" ::/boot/syslinux/syslinux.cfg "$BATS_TEST_TMPDIR/sys.cfg"
			MTOOLS_SKIP_CHECK=1 mcopy -n -i "$ART/$m@@1M" ::/boot/grub/grub.cfg "$BATS_TEST_TMPDIR/grub.cfg"
			;;
		*.iso)
			xorriso -osirrox on -indev "$ART/$m" -extract /boot/media.cpio.zst "$BATS_TEST_TMPDIR/m" \
				-extract /boot/isolinux/isolinux.cfg "$BATS_TEST_TMPDIR/sys.cfg" \
				-extract /boot/grub/grub.cfg "$BATS_TEST_TMPDIR/grub.cfg" 2>/dev/null
			;;
		esac
		cmp "$BATS_TEST_TMPDIR/m" "$ART/media.cpio.zst"
		grep -qx "  INITRD /boot/initramfs.cpio.zst,/boot/media.cpio.zst" "$BATS_TEST_TMPDIR/sys.cfg"
		grep -qx "	initrd /boot/initramfs.cpio.zst /boot/media.cpio.zst" "$BATS_TEST_TMPDIR/grub.cfg"
		rm -f "$BATS_TEST_TMPDIR"/m "$BATS_TEST_TMPDIR"/*.cfg
	done
}
