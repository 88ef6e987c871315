#!/usr/bin/env bats
# The BMC's watchdog (fathom.watchdog=ipmi) with QEMU's own BMC,
# ipmi-bmc-sim behind isa-ipmi-kcs: init arms it, feeds it from its event
# loop past its timeout, and when it stops feeding (here: the test hook)
# the BMC resets the machine by itself. QEMU's BMC has no LAN commands at
# all, so fathom.drac.ipv4= meets a BMC that refuses: one clear error,
# nothing retried, nothing else held up. (ipmi_sim, used for the LAN
# address in ipmi.bats, cannot stand in here: its Reset Watchdog Timer does
# not restart a running countdown, so a fed machine resets all the same.)

load lib

setup_file() {
	export VM_QEMU_OPTS="--device ipmi-bmc-sim,id=bmc0 --device isa-ipmi-kcs,bmc=bmc0"
	vm_boot ipmiwdt console=ttyS0,115200 fathom.ipv4=192.0.2.10/28,192.0.2.1 \
		fathom.watchdog=ipmi fathom.watchdog_timeout=6 fathom.test.watchdog_stop=24 \
		fathom.drac.ipv4=192.0.2.3/28,192.0.2.1
}

console_grep() {
	grep -E "$1" "$CONSOLE" | tr -d '\r'
}

@test "init finds the BMC and arms its watchdog with the asked timeout" {
	wait_until 90 grep -q "watchdog: BMC (IPMI" "$CONSOLE"
	run console_grep "watchdog: BMC"
	assert_output "fathom: watchdog: BMC (IPMI, /dev/ipmi0), timeout 6s, fed every 2s"
}

@test "a BMC without LAN commands: one error naming the request and the remedy, not retried" {
	wait_until 90 grep -q "ipmi: BMC LAN channel 1" "$CONSOLE"
	run console_grep "ipmi: "
	assert_output --regexp "^(\[ *[0-9.]+\] )?fathom: ipmi: BMC LAN channel 1: could not set 192.0.2.3/28 via 192.0.2.1 \(fathom.drac.ipv4\): Get LAN Configuration Parameters \(IP address source\): completion code 0xc1 \(invalid command\); check the BMC with \`ipmitool lan print 1\`, or set the address in its own settings"
	refute_output --partial "tries"
	assert_equal "${#lines[@]}" 1
}

@test "while init feeds it, the machine outlives the BMC watchdog's timeout" {
	wait_until 90 grep -q "watchdog: BMC (IPMI" "$CONSOLE"
	wait_for_ping 192.0.2.10
	# Unfed, it would have reset after 6 s: 15 s later it must still answer.
	sleep 15
	in_ns ping -c1 -W2 192.0.2.10
	run grep -c "no longer fed" "$CONSOLE"
	assert_output 0
	run grep -c "watchdog: BMC: " "$CONSOLE"	# no failed feed
	assert_output 0
}

@test "when feeding stops, the BMC resets the machine (no shutdown, a hard reset)" {
	local t0 t1
	wait_until 60 grep -q "watchdog: no longer fed (test hook" "$CONSOLE"
	t0=$(date +%s)
	# QEMU runs with -no-reboot: the BMC's reset ends it.
	for _ in $(seq 120); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
	t1=$(date +%s)
	run kill -0 "$QEMU_PID"
	assert_failure
	echo "# reset $((t1 - t0)) s after init stopped feeding (timeout 6 s)" >&3
	run cat "$CONSOLE"
	refute_output --partial "shutdown:"
	refute_output --partial "Kernel panic"
	refute_output --partial "watchdog: BMC watchdog stopped"
}
