#!/usr/bin/env bats
# An appliance with a crash-looping service next to iperf3 (added by a
# per-boot overlay archive appended to the initramfs, as per-machine configs
# are), the rescue shell on its serial console, and a watchdog that gives up
# on the machine once the crash loop reaches fathom.watchdog_max_failures.

load lib

setup_file() {
	local overlay=$BATS_FILE_TMPDIR/overlay
	mkdir -p "$overlay"
	printf 'exec=/bin/false\n' > "$overlay/crasher"
	printf '%s\n' "dir /etc 0755 0 0" "dir /etc/fathom 0755 0 0" \
		"dir /etc/fathom/services 0755 0 0" \
		"file /etc/fathom/services/crasher $overlay/crasher 0644 0 0" > "$overlay/manifest"
	"$OUTDIR/build/host/mkcpio" -o "$overlay/overlay.cpio" "$overlay/manifest"
	initrd_concat "$overlay/initrd" "$OUTDIR/$BOARD/initramfs.cpio.zst" "$overlay/overlay.cpio"
	export VM_INITRD=$overlay/initrd VM_CONSOLE_PORT=4555 VM_QEMU_OPTS="--device i6300esb"
	vm_boot robust console=ttyS0,115200 fathom.shell \
		fathom.watchdog_timeout=6 fathom.watchdog_max_failures=5 \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1
	wait_for_ping 192.0.2.10 || true
}

@test "a crash-looping service is restarted with growing delays" {
	wait_until 60 grep -q "service crasher: exited with status 1; restarting in 4s" "$CONSOLE"
	run grep -o "service crasher: exited with status 1; restarting in [0-9]*s" "$CONSOLE"
	assert_line --index 0 --partial "restarting in 1s"
	assert_line --index 1 --partial "restarting in 2s"
	assert_line --index 2 --partial "restarting in 4s"
}

@test "the crash loop does not stop the other services: iperf3 answers, both families ping" {
	in_ns ping -c1 -W2 192.0.2.10
	wait_for_ping 2001:db8::10
	iperf3_measures 192.0.2.10
}

@test "fathom.shell gives a root shell on the serial console" {
	wait_until 60 grep -q "shell: rescue shell on the console" "$CONSOLE"
	# $((6*7)) so the echoed command itself cannot match.
	in_ns bash -c 'exec 5<>/dev/tcp/127.0.0.1/4555 && printf "%s\n" "echo marker-\$((6*7)) \$(id -u)" >&5 && sleep 2'
	wait_until 20 grep -q "marker-42 0" "$CONSOLE"
}

@test "the image's services have only the capabilities they name, bounding sets included" {
	# Every process of each: ndt7-server is a supervisor and its workers.
	local cmd='for n in iperf3 ndt7-server; do for p in $(pidof $n); do echo "caps-$n $(grep ^Cap /proc/$p/status | tr -d "\t" | tr "\n" " ")"; done; done'
	wait_until 60 grep -q "service ndt7: started" "$CONSOLE"
	in_ns bash -c 'exec 5<>/dev/tcp/127.0.0.1/4555 && printf "%s\n" "$0" >&5 && sleep 2' "$cmd"
	wait_until 20 grep -q "^caps-ndt7-server Cap" "$CONSOLE"
	run bash -c "grep '^caps-' '$CONSOLE' | tr -d '\r'"
	assert_line "caps-iperf3 CapInh:0000000000000000 CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 CapAmb:0000000000000000 "
	assert_line "caps-ndt7-server CapInh:0000000000000400 CapPrm:0000000000000400 CapEff:0000000000000400 CapBnd:0000000000000400 CapAmb:0000000000000400 "
	# Supervisor and worker(s), all the same.
	[ "$(echo "$output" | grep -c '^caps-ndt7-server ')" -ge 2 ]
	[ "$(echo "$output" | grep -c '^caps-ndt7-server ')" = \
		"$(echo "$output" | grep -c '^caps-ndt7-server CapInh:0000000000000400 CapPrm:0000000000000400 CapEff:0000000000000400 CapBnd:0000000000000400 CapAmb:0000000000000400 $')" ]
}

@test "after the shell exits, a new one comes back" {
	in_ns bash -c 'exec 5<>/dev/tcp/127.0.0.1/4555 && printf "exit\n" >&5 && sleep 3 && printf "%s\n" "echo again-\$((7*6))" >&5 && sleep 2'
	wait_until 20 grep -q "again-42" "$CONSOLE"
	run grep -c "shell: rescue shell on the console" "$CONSOLE"
	[ "$output" -ge 2 ]
}

# Last: this one ends the VM.
@test "a crash loop past fathom.watchdog_max_failures stops the watchdog's feeding: the machine resets" {
	wait_until 90 grep -q "watchdog: no longer fed (service crasher failed 5 times in a row)" "$CONSOLE"
	for _ in $(seq 60); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
	run kill -0 "$QEMU_PID"
	assert_failure
	run cat "$CONSOLE"
	refute_output --partial "shutdown:"
}
