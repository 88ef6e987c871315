#!/usr/bin/env bats
# fathom.drac.ipv4= and fathom.watchdog=ipmi on a machine without a BMC:
# the IPMI drivers find nothing, init says so in one line and the boot goes
# on (network, services) as if neither had been asked for.

load lib

setup_file() {
	vm_boot ipminobmc console=ttyS0,115200 fathom.ipv4=192.0.2.10/28,192.0.2.1 \
		fathom.watchdog=ipmi fathom.drac.ipv4=192.0.2.3/28,192.0.2.1
}

console_grep() {
	grep -E "$1" "$CONSOLE" | tr -d '\r'
}

@test "no BMC: one line saying what is not done, and the machine comes up" {
	wait_for_ping 192.0.2.10
	wait_until 60 grep -q "ipmi: no BMC" "$CONSOLE"
	run console_grep "ipmi: |watchdog"
	assert_output --regexp "^(\[ *[0-9.]+\] )?fathom: ipmi: no BMC: /dev/ipmi0 did not appear after loading the IPMI drivers \(/etc/fathom/ipmi-modules\); the BMC's address \(fathom.drac.ipv4\) is not set and running without a watchdog \(fathom.watchdog=ipmi\)$"
	assert_equal "${#lines[@]}" 1
	# ipmi_si found no interface: a note, not a failure
	run console_grep "ipmi_si"
	assert_output --partial "ipmi_si.ko: not for this hardware"
	# The ping can answer before init has launched every service and said
	# so (more services, a later line): wait for it, bounded.
	wait_until 60 grep -q "ready: services launched" "$CONSOLE"
	run console_grep "ready: services launched"
	assert_output --partial "ready: services launched"
}
