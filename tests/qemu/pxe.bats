#!/usr/bin/env bats
# PXE under BIOS, as at a site with a PXE server: QEMU's own iPXE NIC ROM
# gets the per-machine boot.ipxe by DHCP (dnsmasq, with router
# advertisements so iPXE does not stall on IPv6), and boot.ipxe sets the
# machine's static addresses in iPXE itself and fetches the kernel and two
# initrds (the image, then the machine's config.cpio) over HTTP (busybox
# httpd). Everything runs in the test's namespace.

load lib

HOST=node1.example.org

pxe_servers() {
	local web=$BATS_FILE_TMPDIR/web bb
	mkdir -p "$web"
	cp "$OUTDIR/$BOARD/vmlinuz" "$OUTDIR/$BOARD/initramfs.cpio.zst" "$web/"
	printf '%s\n' "hostname,mac,ipv4,ipv4_gateway,ipv6,ipv6_gateway" \
		"$HOST,52:54:00:00:02:10,192.0.2.10/28,192.0.2.1,2001:db8::10/64,2001:db8::1" \
		> "$BATS_FILE_TMPDIR/inventory.csv"
	"$OUTDIR/build/host/mkmachines" -o "$web/machines" -b http://192.0.2.1:8080 \
		-c "console=ttyS0,115200 panic=10" "$BATS_FILE_TMPDIR/inventory.csv"
	bb=$(awk '$1 == "file" && $2 == "/bin/busybox" { print $3 }' \
		"$OUTDIR/build/$BOARD/initramfs.manifest")
	ip netns exec "$NS" "$bb" httpd -f -vv -p 192.0.2.1:8080 -h "$web" \
		2>"$BATS_FILE_TMPDIR/httpd.log" 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/httpd.pid"
	ip netns exec "$NS" dnsmasq --keep-in-foreground --port=0 --bind-interfaces \
		--interface=br0 --dhcp-range=192.0.2.11,192.0.2.14,255.255.255.240,1h \
		--dhcp-userclass=set:ipxe,iPXE \
		--dhcp-boot=tag:ipxe,http://192.0.2.1:8080/machines/$HOST/boot.ipxe \
		--enable-ra --dhcp-range=2001:db8::,ra-only,64 \
		--dhcp-leasefile="$BATS_FILE_TMPDIR/leases" --pid-file="$BATS_FILE_TMPDIR/dnsmasq.pidfile" \
		--log-facility="$BATS_FILE_TMPDIR/dnsmasq.log" 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/dnsmasq.pid"
}

setup_file() {
	export VM_PXE=1 VM_BEFORE_BOOT=pxe_servers
	vm_boot pxe
	# iPXE itself answers pings once its script set the static address:
	# wait for Linux, not for the first echo reply.
	wait_until "$BOOT_TIMEOUT" grep -q "network: ready" "$CONSOLE" || true
}

teardown_file() {
	local f
	for f in httpd dnsmasq; do
		if [ -f "$BATS_FILE_TMPDIR/$f.pid" ]; then
			kill "$(cat "$BATS_FILE_TMPDIR/$f.pid")" 2>/dev/null || true
		fi
	done
	vm_destroy
}

@test "PXE (BIOS): iPXE fetched the per-machine script, the kernel and both initrds over HTTP" {
	run cat "$BATS_FILE_TMPDIR/httpd.log"
	# The script comes to the DHCP address; the rest to the static one
	# that the script set in iPXE.
	assert_output --regexp "192.0.2.1[1-4]:[0-9]+: url:/machines/$HOST/boot.ipxe"
	assert_output --regexp "192.0.2.10:[0-9]+: url:/vmlinuz"
	assert_output --regexp "192.0.2.10:[0-9]+: url:/initramfs.cpio.zst"
	assert_output --regexp "192.0.2.10:[0-9]+: url:/machines/$HOST/config.cpio"
}

@test "PXE (BIOS): Linux booted with the machine's command line and configured the uplink" {
	run cat "$CONSOLE"
	assert_output --partial "fathom: starting (pid 1)"
	assert_output --partial "netcfg: eth0: ipv4 192.0.2.10/28 via 192.0.2.1"
	assert_output --partial "network: ready"
}

@test "PXE (BIOS): the machine answers on its static IPv4 and IPv6 addresses, iperf3 too" {
	wait_for_ping 192.0.2.10
	wait_for_ping 2001:db8::10
	iperf3_measures 192.0.2.10
}
