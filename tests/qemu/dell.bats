#!/usr/bin/env bats
# The dell-poweredge image as on a PowerEdge: an Intel NIC (QEMU e1000e, its
# driver loaded by coldplug) as the uplink, an iDRAC-like USB NIC (usb-net:
# cdc_ether) beside it that must never be chosen, and the console on the
# second serial port, where iDRAC's serial-over-LAN listens.

load lib

setup_file() {
	export BOARD=dell-poweredge
	make -s -C "$TOP" O="$OUTDIR" BOARD=dell-poweredge > "$BATS_FILE_TMPDIR/make.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/make.log" >&2; return 1; }
	export TTYS0=$BATS_FILE_TMPDIR/ttyS0.log
	export VM_QEMU_OPTS="--nic e1000e --serial0 $TTYS0
		--qemu-arg -netdev --qemu-arg user,id=n2,restrict=on --device qemu-xhci --device usb-net,netdev=n2"
	# The board's own command line (console=tty0 console=ttyS1,115200n8),
	# plus the machine's addresses and the iDRAC USB NIC brought up.
	vm_boot dell fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1 \
		fathom.drac.usbnic=on
	wait_until "$BOOT_TIMEOUT" grep -q "network: ready" "$CONSOLE" || true
}

@test "dell: e1000e (coldplug) is the uplink, reachable on IPv4 and IPv6, iperf3 too" {
	run cat "$CONSOLE"
	assert_output --regexp "netcfg: eth[0-9]+ \(e1000e, 52:54:00:00:02:10\): candidate"
	assert_output --regexp "netcfg: eth[0-9]+: chosen as uplink \(e1000e"
	pxe_check_reachable
}

@test "dell: the USB NIC is never the uplink; with fathom.drac.usbnic=on it is up, link-local only" {
	wait_until 60 grep -q "BMC USB NIC" "$CONSOLE"
	run cat "$CONSOLE"
	assert_output --regexp "netcfg: usb[0-9]+ \(cdc_ether, [0-9a-f:]+\): not a candidate: USB NIC of a BMC"
	assert_output --regexp "netcfg: usb[0-9]+: BMC USB NIC \(usb 0525:a4a2\) up, IPv6 link-local only \(fathom.drac.usbnic=on\)"
	refute_output --regexp "netcfg: usb[0-9]+: chosen"
}

@test "dell: the console is the second serial port (ttyS1): init's own lines reach it, nothing goes to ttyS0" {
	run cat "$CONSOLE"
	assert_output --partial "fathom: starting (pid 1)"
	assert_output --partial "fathom: ready: services launched"
	assert_output --regexp "fathom: coldplug: [1-9][0-9]* loaded, 0 failed"
	# The same measurement services as the default board.
	assert_output --partial "service iperf3: started"
	assert_output --partial "service ndt7: started"
	[ ! -s "$TTYS0" ]
}

# The text on the VGA screen (tty0, the iDRAC virtual console), read from
# the text-mode buffer through QEMU's monitor: one character per 2 bytes.
vga_text() {
	in_ns bash -c 'exec 5<>/dev/tcp/127.0.0.1/4444 && echo "xp /2000hx 0xb8000" >&5 && sleep 3 &&
		timeout 2 cat <&5' | tr -d '\r' | grep '^00000000000b8' | cut -d: -f2 |
		tr ' ' '\n' | sed -n 's/^0x..\(..\)$/\1/p' | while read -r h; do printf "\\x$h"; done |
		fold -w 80
}

@test "dell: init's lines reach tty0 (the iDRAC virtual console) too, not only the kernel's errors" {
	run vga_text
	echo "$output" | tail -n 25
	# Informational lines: the kernel (quiet) prints none of them on tty0.
	assert_output --regexp "fathom: (iperf3|service|ready|netcfg)"
}
