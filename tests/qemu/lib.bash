# Shared by the QEMU boot tests: a network namespace of the test's own with
# a bridge (192.0.2.1/28, 2001:db8::1/64) and a tap, and a VM booted from
# the built vmlinuz + initramfs with its serial console in a file.
# Only documentation prefixes are used, and only inside that namespace.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

OUTDIR=${FATHOM_OUT:-$BATS_TEST_DIRNAME/../../out}
BOARD=${FATHOM_BOARD:-qemu-x86_64}
TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BOOT_TIMEOUT=${FATHOM_BOOT_TIMEOUT:-180}

# vm_boot NAME KERNEL-ARGS...: sets NS, CONSOLE, QEMU_PID (exported, so the
# tests and teardown_file see them through the environment). VM_QEMU_OPTS:
# more scripts/qemu-run options (e.g. "--nic rtl8139 --device i6300esb").
# VM_INITRD: another initrd (e.g. the image plus an overlay archive).
# VM_CONSOLE_PORT: the console also as a tcp server in the namespace.
# VM_PXE: no kernel; the VM boots from its NIC (run a DHCP/HTTP server first).
# VM_MEDIA: no kernel; the VM boots from a medium: "--usb IMG" or "--cdrom ISO"
# (scripts/qemu-run); VM_UEFI=1: with OVMF instead of SeaBIOS.
# VM_BEFORE_BOOT: a function run once the namespace exists, before QEMU.
# VM_EXTRA_TAPS: more taps on the bridge, for more NICs (see VM_QEMU_OPTS).
vm_boot() {
	local name=$1
	shift
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	export NS="fathom-$name-$$"
	export CONSOLE="$BATS_FILE_TMPDIR/console-$name.log"
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" link add br0 type bridge
	ip -n "$NS" tuntap add dev tap0 mode tap
	ip -n "$NS" link set tap0 master br0
	ip -n "$NS" addr add 192.0.2.1/28 dev br0
	ip -n "$NS" addr add 2001:db8::1/64 dev br0 nodad
	ip -n "$NS" link set tap0 up
	for tap in ${VM_EXTRA_TAPS:-}; do
		ip -n "$NS" tuntap add dev "$tap" mode tap
		ip -n "$NS" link set "$tap" master br0 up
	done
	ip -n "$NS" link set br0 up
	# fd 3 is bats' own: the VM must not hold it open.
	if [ -n "${VM_BEFORE_BOOT:-}" ]; then
		"$VM_BEFORE_BOOT"
	fi
	local boot
	if [ -n "${VM_PXE:-}" ]; then
		boot=--pxe
	elif [ -n "${VM_MEDIA:-}" ]; then
		boot=$VM_MEDIA
	else
		boot="--kernel $OUTDIR/$BOARD/vmlinuz --initrd ${VM_INITRD:-$OUTDIR/$BOARD/initramfs.cpio.zst}"
	fi
	# shellcheck disable=SC2086
	ip netns exec "$NS" "$TOP/scripts/qemu-run" $boot \
		--board "$TOP/boards/$BOARD" --tap tap0 --mac 52:54:00:00:02:10 \
		--console "$CONSOLE" --monitor 4444 ${VM_CONSOLE_PORT:+--console-port $VM_CONSOLE_PORT} \
		${VM_UEFI:+--qemu-arg -bios --qemu-arg /usr/share/ovmf/OVMF.fd} ${VM_QEMU_OPTS:-} -- "$@" </dev/null >"$BATS_FILE_TMPDIR/qemu-$name.log" 2>&1 3>&- &
	export QEMU_PID=$!
}

# Stop the VM (by its pid) and remove the namespace with everything in it.
vm_destroy() {
	# A test may have stopped it already: never signal a reused pid.
	if [ -n "${QEMU_PID:-}" ] && grep -qa qemu-system "/proc/$QEMU_PID/cmdline" 2>/dev/null; then
		kill "$QEMU_PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$QEMU_PID" 2>/dev/null || true
	fi
	if [ -n "${NS:-}" ]; then
		ip netns del "$NS" 2>/dev/null || true
	fi
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# wait_until SECONDS CMD...: retry CMD once a second until it succeeds.
wait_until() {
	local deadline=$(( $(date +%s) + $1 ))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		kill -0 "$QEMU_PID" 2>/dev/null || { echo "QEMU exited early"; return 1; }
		sleep 1
	done
}

# Wait for the VM to answer pings on ADDR (v4 or v6), up to BOOT_TIMEOUT.
wait_for_ping() {
	wait_until "$BOOT_TIMEOUT" in_ns ping -c1 -W1 "$1"
}

# Run Debian's iperf3 client from the namespace against ADDR for 2 s.
# Succeeds only if it reports a received rate above 0 bits/s. The server
# takes one test at a time and is briefly not listening between tests:
# "connection refused" is retried a few times, as a client would.
iperf3_measures() {
	local json try
	for try in 1 2 3 4 5; do
		json=$(in_ns timeout 30 iperf3 -c "$1" -t 2 -J) || true
		echo "iperf3 -c $1 (try $try): $(echo "$json" | jq -r '.error // .end.sum_received.bits_per_second' 2>&1) bits/s"
		echo "$json" | jq -e '.error // "" | test("unable to connect")' >/dev/null || break
		sleep 1
	done
	echo "$json" | jq -e '.end.sum_received.bits_per_second | type == "number" and . > 0' >/dev/null
}

# vm_shell CMD: run CMD in the VM's rescue shell (fathom.shell on the serial
# console, reached on VM_CONSOLE_PORT inside the namespace; root);
# $output and $lines are what it printed, without the console's echo or
# log lines.
vm_shell() {
	local n=$((RANDOM * 8 + 1))
	# The markers are computed by the shell, so its echo of the command
	# (with "$((n + 1))" unexpanded) cannot match them.
	# shellcheck disable=SC2016 # expanded by that bash
	in_ns bash -c 'exec 5<>/dev/tcp/127.0.0.1/$1 && printf "%s\n" "$2" >&5 && sleep 0.5' _ \
		"$VM_CONSOLE_PORT" "echo begin-\$(($n + 1)); $1; echo end-\$(($n + 1))"
	wait_until 30 grep -q "^end-$((n + 1))" "$CONSOLE" || return 1
	output=$(tr -d '\r' < "$CONSOLE" | sed -n "/^begin-$((n + 1))\$/,/^end-$((n + 1))\$/p" |
		sed '1d;$d' | grep -v -e '^fathom: ' -e '^\[ *[0-9.]*\] ')
	mapfile -t lines <<< "$output"
}

# Send one command to the VM's QEMU monitor (tcp, inside the namespace).
vm_monitor() {
	in_ns bash -c 'exec 5<>/dev/tcp/127.0.0.1/4444 && echo "$1" >&5 && sleep 0.5' _ "$1"
}

# initrd_concat OUT FILE...: join initrds as bootloaders do (iPXE, GRUB):
# each starts 4-byte aligned, zero-padded. Linux unpacks them in order and
# finds a cpio header only at an aligned offset.
initrd_concat() {
	local out=$1 f size
	shift
	: > "$out"
	for f in "$@"; do
		cat "$f" >> "$out"
		size=$(stat -c %s "$out")
		head -c $(( (4 - size % 4) % 4 )) /dev/zero >> "$out"
	done
}

show_console() {
	echo "--- console ($CONSOLE):"
	cat "$CONSOLE" 2>/dev/null
}

# Every VM test file: the VM goes with its file, and a failing test shows
# the console.
teardown_file() {
	vm_destroy
}

teardown() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] || show_console
}

# PXE: the machine's boot files made by mkmachines, served by busybox httpd
# (the image's own busybox) with dnsmasq handing iPXE the script's URL.
HOST=node1.example.org

# machine_files: the test machine's boot.ipxe, network.conf and config.cpio
# in $BATS_FILE_TMPDIR/web/machines/$HOST/, as `make machines` writes them.
machine_files() {
	local web=$BATS_FILE_TMPDIR/web
	mkdir -p "$web"
	cp "$OUTDIR/$BOARD/vmlinuz" "$OUTDIR/$BOARD/initramfs.cpio.zst" "$web/"
	printf '%s\n' "hostname,mac,ipv4,ipv4_gateway,ipv6,ipv6_gateway" \
		"$HOST,52:54:00:00:02:10,192.0.2.10/28,192.0.2.1,2001:db8::10/64,2001:db8::1" \
		> "$BATS_FILE_TMPDIR/inventory.csv"
	"$OUTDIR/build/host/mkmachines" -o "$web/machines" -b http://192.0.2.1:8080 \
		-c "console=ttyS0,115200 panic=10" "$BATS_FILE_TMPDIR/inventory.csv"
}

# PXE_NO_DHCP=1: the web server only, as at a site without DHCP (the boot
# script comes on the medium, tests/qemu/ipxe-media.bats).
pxe_servers() {
	local web=$BATS_FILE_TMPDIR/web bb
	[ -d "$web/machines/$HOST" ] || machine_files
	bb=$(awk '$1 == "file" && $2 == "/bin/busybox" { print $3 }' \
		"$OUTDIR/build/$BOARD/initramfs.manifest")
	ip netns exec "$NS" "$bb" httpd -f -vv -p 192.0.2.1:8080 -h "$web" \
		2>"$BATS_FILE_TMPDIR/httpd.log" 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/httpd.pid"
	[ -z "${PXE_NO_DHCP:-}" ] || return 0
	ip netns exec "$NS" dnsmasq --keep-in-foreground --port=0 --bind-interfaces \
		--interface=br0 --dhcp-range=192.0.2.11,192.0.2.14,255.255.255.240,1h \
		--dhcp-userclass=set:ipxe,iPXE \
		--dhcp-boot=tag:ipxe,http://192.0.2.1:8080/machines/$HOST/boot.ipxe \
		--enable-ra --dhcp-range=2001:db8::,ra-only,64 \
		--dhcp-leasefile="$BATS_FILE_TMPDIR/leases" --pid-file="$BATS_FILE_TMPDIR/dnsmasq.pidfile" \
		--log-facility="$BATS_FILE_TMPDIR/dnsmasq.log" 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/dnsmasq.pid"
}

pxe_servers_stop() {
	local f
	for f in httpd dnsmasq; do
		if [ -f "$BATS_FILE_TMPDIR/$f.pid" ]; then
			kill "$(cat "$BATS_FILE_TMPDIR/$f.pid")" 2>/dev/null || true
		fi
	done
}

# What a PXE-booted machine must show (pxe.bats, pxe-uefi.bats).
pxe_check_fetched() {
	run cat "$BATS_FILE_TMPDIR/httpd.log"
	# The script comes to the DHCP address; the rest to the static one
	# that the script set in iPXE.
	assert_output --regexp "192.0.2.1[1-4]:[0-9]+: url:/machines/$HOST/boot.ipxe"
	assert_output --regexp "192.0.2.10:[0-9]+: url:/vmlinuz"
	assert_output --regexp "192.0.2.10:[0-9]+: url:/initramfs.cpio.zst"
	assert_output --regexp "192.0.2.10:[0-9]+: url:/machines/$HOST/config.cpio"
}

pxe_check_linux() {
	run cat "$CONSOLE"
	assert_output --partial "fathom: starting (pid 1)"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
	assert_output --partial "network: ready"
}

pxe_check_reachable() {
	wait_for_ping 192.0.2.10
	wait_for_ping 2001:db8::10
	iperf3_measures 192.0.2.10
}

# Boot media (usb*.bats, iso*.bats): the built fathom.img with fathom.conf
# edited as an operator would (mtools, no mount): the machine's addresses,
# and one bad line that must be reported while the rest applies.
media_stick() {
	local img=$BATS_FILE_TMPDIR/stick.img conf=$BATS_FILE_TMPDIR/fathom.conf
	cp "$OUTDIR/$BOARD/fathom.img" "$img"
	cat > "$conf" <<'CONF'
# node1, rack 4 (edited by the operator)
ipv4 = 192.0.2.10/28,192.0.2.1
fathom.ipv6=2001:db8::10/64,2001:db8::1
hostname=node1.example.org
mtu=99999
CONF
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@1M" "$conf" ::/fathom.conf
	export VM_MEDIA="--usb $img"
}

# image/mkmedia as make runs it: the image's own SOURCE_DATE_EPOCH.
mkmedia() {
	SOURCE_DATE_EPOCH=$(jq .source_date_epoch "$OUTDIR/$BOARD/manifest.json") \
		"$TOP/image/mkmedia" "$@"
}

# A per-machine ISO, as `make machines MEDIA=iso` makes it: the machine's
# network.conf is the ISO's fathom.conf.
media_iso() {
	machine_files
	mkmedia --conf "$BATS_FILE_TMPDIR/web/machines/$HOST/network.conf" iso \
		"$BATS_FILE_TMPDIR/$HOST.iso" "$TOP/boards/$BOARD" "$OUTDIR/$BOARD" "$BATS_FILE_TMPDIR/build"
	export VM_MEDIA="--cdrom $BATS_FILE_TMPDIR/$HOST.iso"
}

media_check_stick() {
	run cat "$CONSOLE"
	assert_output --regexp "fathom: media: /dev/sd[a-z]1 \(vfat\) is the boot medium [0-9a-f]{16}, after [0-9]+ ms; reading its fathom.conf"
	assert_output --regexp "fathom.conf on /dev/sd[a-z]1:5: mtu: \"99999\": expected an MTU of 68-9000"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
}

media_check_iso() {
	run cat "$CONSOLE"
	assert_output --regexp "fathom: media: /dev/sr0 \(iso9660\) is the boot medium [0-9a-f]{16}, after [0-9]+ ms; reading its fathom.conf"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
	refute_output --partial "fathom.conf on"
}

# Install to disk (install-*.bats): the built stick with fathom.conf's
# addresses and install=TARGET (and any more lines given), a blank 2 GiB
# disk with serial FATHOMDISK1, and with VM_UEFI_VARS=1 OVMF with a
# writable copy of its variables (UEFI boot entries persist).
# install_stick "install=FATHOMDISK1" [LINES...]
install_stick() {
	local img=$BATS_FILE_TMPDIR/stick.img conf=$BATS_FILE_TMPDIR/fathom.conf
	cp "$OUTDIR/$BOARD/fathom.img" "$img"
	{
		echo "# node1, installed from the stick"
		echo "ipv4=192.0.2.10/28,192.0.2.1"
		echo "ipv6=2001:db8::10/64,2001:db8::1"
		echo "hostname=node1.example.org"
		printf '%s\n' "$@"
	} > "$conf"
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@1M" "$conf" ::/fathom.conf
}

# install_disk NAME [SIZE]: a sparse raw disk file, 2G by default.
install_disk() {
	truncate -s "${2:-2G}" "$BATS_FILE_TMPDIR/$1.img"
}

# QEMU options: disks NAME:SERIAL[:boot][:sata|:nvme]... (virtio unless
# sata, on an ICH9 AHCI controller, or nvme, each its own controller;
# boot: the firmware's first; NAME.img in BATS_FILE_TMPDIR), plus OVMF's
# pflash with UEFI=1 (code read-only, a copy of the variables made once
# per file).
install_qemu_opts() {
	local opts="" d name serial rest boot bus i=0 ahci=""
	if [ -n "${UEFI:-}" ]; then
		[ -f "$BATS_FILE_TMPDIR/vars.fd" ] || cp /usr/share/OVMF/OVMF_VARS_4M.fd "$BATS_FILE_TMPDIR/vars.fd"
		opts="--qemu-arg -drive --qemu-arg if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
		opts="$opts --qemu-arg -drive --qemu-arg if=pflash,format=raw,file=$BATS_FILE_TMPDIR/vars.fd"
	fi
	for d in "$@"; do
		name=${d%%:*} rest=${d#*:} boot='' bus=virtio i=$((i + 1))
		serial=${rest%%:*}
		case :$rest: in *:boot:*) boot=,bootindex=0 ;; esac
		case :$rest: in *:sata:*) bus=sata ;; *:nvme:*) bus=nvme ;; esac
		opts="$opts --qemu-arg -drive --qemu-arg if=none,id=disk$i,format=raw,file=$BATS_FILE_TMPDIR/$name.img"
		case $bus in
		sata)
			[ -n "$ahci" ] || opts="$opts --device ich9-ahci,id=ahci" ahci=1
			opts="$opts --device ide-hd,bus=ahci.$i,drive=disk$i,serial=$serial$boot" ;;
		nvme) opts="$opts --device nvme,drive=disk$i,serial=$serial$boot" ;;
		*) opts="$opts --device virtio-blk-pci,drive=disk$i,serial=$serial$boot" ;;
		esac
	done
	echo "$opts"
}

# Whether the VM's QEMU has exited (the installer reboots; -no-reboot).
vm_exited() {
	! kill -0 "$QEMU_PID" 2>/dev/null
}

# install_then_boot NAME DISK...: boot the stick (install_stick) with the
# disks (install_qemu_opts' words) until the installer says "install: done"
# and reboots (QEMU, -no-reboot, exits), then the disks alone until
# 192.0.2.10 answers. INSTALL_CONSOLE is the first boot's console, CONSOLE
# the second's; the times go to bats' fd 3. A step that times out is left
# for the tests to find in the consoles.
install_then_boot() {
	local name=$1 start deadline install_s ping_s
	shift
	VM_MEDIA="--usb $BATS_FILE_TMPDIR/stick.img" VM_QEMU_OPTS=$(install_qemu_opts "$@") \
		vm_boot "$name"
	export INSTALL_CONSOLE=$CONSOLE
	start=$(date +%s)
	wait_until 600 grep -q "install: done" "$CONSOLE" || true
	install_s=$(( $(date +%s) - start ))
	deadline=$(( $(date +%s) + 60 ))
	while ! vm_exited && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
	vm_destroy
	export QEMU_PID=
	VM_MEDIA=--firmware VM_QEMU_OPTS=$(install_qemu_opts "$@") vm_boot "$name-disk"
	start=$(date +%s)
	wait_for_ping 192.0.2.10 || true
	ping_s=$(( $(date +%s) - start ))
	echo "# $name: stick boot to 'install: done' ${install_s}s; disk boot to first ping" \
		"${ping_s}s; the installer's own: $(grep -a -o "done in [0-9.]* s" "$INSTALL_CONSOLE")" >&3
}
