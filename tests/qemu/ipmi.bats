#!/usr/bin/env bats
# The BMC's LAN address over IPMI (fathom.drac.ipv4=, ePoxy's drac.ipv4=):
# QEMU's ipmi-bmc-extern + isa-ipmi-kcs connected to OpenIPMI's ipmi_sim,
# the BMC simulator. ipmi_sim keeps channel 1's address settings through a
# lan_config_program, here a script of the test's that stores them in a
# file (the BMC's persisted state) and logs every call; the test also asks
# the simulator over its LAN interface (openipmicmd), as an operator would.
# ipmi_sim listens on 127.0.0.1 of the test's namespace only.
#
# Two boots, one BMC: the first sets the address (and arms the BMC
# watchdog, stopped again by the ACPI power-off); the second, with the same
# address, writes nothing. (Feeding the watchdog is tested against QEMU's
# own BMC in ipmi-watchdog.bats: ipmi_sim's Reset Watchdog Timer does not
# restart its countdown.)

load lib

SIM_LAN_PORT=9623
SIM_VM_PORT=9002
DRAC=192.0.2.3/28,192.0.2.1

# lan.conf, the BMC's description (.emu) and the lan_config_program.
sim_files() {
	local d=$BATS_FILE_TMPDIR
	SIM_PASSWORD=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
	export SIM_PASSWORD
	cat > "$d/lan.conf" <<EOF
name "fathomtest"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $SIM_LAN_PORT
    priv_limit admin
    allowed_auths_callback md5
    allowed_auths_user md5
    allowed_auths_operator md5
    allowed_auths_admin md5
    guid a123456789abcdefa123456789abcdef
    lan_config_program "$d/lancontrol $d/bmc-lan"
  endlan
  serial 15 127.0.0.1 $SIM_VM_PORT codec VM
  user 2 true "fathom" "$SIM_PASSWORD" admin 10 md5
EOF
	# Without the watchdog sensor (number 0) a watchdog expiry does nothing.
	cat > "$d/bmc.emu" <<'EOF'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
sel_enable 0x20 1000 0x0a
sensor_add 0x20 0 0 35 0x6f event-only
mc_enable 0x20
EOF
	# ipmi_sim runs "lancontrol STATEFILE get|set|check PARAM [VALUE]...".
	cat > "$d/lancontrol" <<'EOF'
#!/bin/sh
state=$1 op=$2
shift 2
echo "$op $*" >> "$state.log"
case $op in
get)
	for p; do
		v=$(sed -n "s/^$p://p" "$state" 2>/dev/null)
		case $p in
		ip_addr_src) d=dhcp ;;
		*mac_addr) d=00:00:00:00:00:00 ;;
		*) d=0.0.0.0 ;;
		esac
		echo "$p:${v:-$d}"
	done ;;
set)
	touch "$state"
	while [ $# -ge 2 ]; do
		grep -v "^$1:" "$state" > "$state.new"; echo "$1:$2" >> "$state.new"
		mv "$state.new" "$state"
		shift 2
	done ;;
esac
exit 0
EOF
	chmod 755 "$d/lancontrol"
	mkdir -p "$d/sim-state"
}

# Start ipmi_sim in the VM's namespace (before QEMU: the guest's driver
# gives up on a BMC that does not answer at once); VM_BEFORE_BOOT.
sim_start() {
	local d=$BATS_FILE_TMPDIR
	sim_stop
	ip netns exec "$NS" ipmi_sim -c "$d/lan.conf" -f "$d/bmc.emu" -s "$d/sim-state" -n \
		>>"$d/ipmi_sim.log" 2>&1 3>&- &
	echo $! > "$d/ipmi_sim.pid"
	for _ in $(seq 50); do
		in_ns ss -ltn | grep -q "127.0.0.1:$SIM_VM_PORT " && return 0
		sleep 0.1
	done
	echo "ipmi_sim did not start; its log:"; cat "$d/ipmi_sim.log"
	return 1
}

sim_stop() {
	local f=$BATS_FILE_TMPDIR/ipmi_sim.pid
	if [ -f "$f" ]; then
		kill "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	fi
}

# One IPMI command to the BMC over its LAN interface, as the operator's
# tools do: NETFN CMD DATA... (hex); prints the answer's bytes, completion
# code first.
bmc_ask() {
	in_ns timeout 20 openipmicmd -k "0f 00 $*" lan -U fathom -P "$SIM_PASSWORD" -A md5 \
		-p "$SIM_LAN_PORT" 127.0.0.1 2>/dev/null | awk 'NF > 4 { $1 = $2 = $3 = $4 = ""; print substr($0, 5) }'
}

# The console's lines matching a regex, without the serial line's CR.
console_grep() {
	grep -E "$1" "$CONSOLE" | tr -d '\r'
}

lan_param() {	# PARAM (hex): the value after the completion code and revision
	bmc_ask 0c 02 01 "$1" 00 00
}

QEMU_IPMI="--qemu-arg -chardev --qemu-arg socket,id=ipmi0,host=127.0.0.1,port=$SIM_VM_PORT,reconnect=10
--qemu-arg -device --qemu-arg ipmi-bmc-extern,chardev=ipmi0,id=bmc0
--qemu-arg -device --qemu-arg isa-ipmi-kcs,bmc=bmc0"

setup_file() {
	sim_files
	export VM_BEFORE_BOOT=sim_start VM_QEMU_OPTS="$QEMU_IPMI"
	vm_boot ipmi1 console=ttyS0,115200 fathom.ipv4=192.0.2.10/28,192.0.2.1 \
		fathom.drac.ipv4=$DRAC fathom.watchdog=ipmi fathom.watchdog_timeout=3600
}

teardown_file() {
	vm_destroy
	vm2_destroy
	sim_stop
}

vm2_destroy() {
	local f=$BATS_FILE_TMPDIR/vm2
	[ -f "$f" ] || return 0
	# shellcheck disable=SC1090
	( . "$f"; vm_destroy )
	rm -f "$f"
}

@test "ipmi_sim's LAN interface listens on the namespace's loopback only" {
	run in_ns ss -lunpt
	assert_output --regexp "127.0.0.1:$SIM_LAN_PORT .*ipmi_sim"
	refute_output --regexp "(0.0.0.0|\*|\[::\]):$SIM_LAN_PORT .*ipmi_sim"
	run ip netns identify "$(cat "$BATS_FILE_TMPDIR/ipmi_sim.pid")"
	assert_output "$NS"
}

@test "init finds the BMC and sets channel 1's address, saying what it was" {
	wait_until 120 grep -q "ipmi: BMC LAN channel 1: " "$CONSOLE"
	run console_grep "ipmi: BMC LAN channel 1: "
	assert_output "fathom: ipmi: BMC LAN channel 1: 192.0.2.3/28 via 192.0.2.1 set (was dhcp 0.0.0.0)"
}

@test "the BMC holds the address, netmask and gateway, static (its state and its LAN interface)" {
	wait_until 120 grep -q "ipmi: BMC LAN channel 1: " "$CONSOLE"
	run sort "$BATS_FILE_TMPDIR/bmc-lan"
	assert_output "default_gw_ip_addr:192.0.2.1
ip_addr:192.0.2.3
ip_addr_src:static
subnet_mask:255.255.255.240"
	# written once, all four in one commit
	run grep -c "^set " "$BATS_FILE_TMPDIR/bmc-lan.log"
	assert_output 1
	# Get LAN Configuration Parameters over RMCP: cc 00, revision 11, value
	run lan_param 03
	assert_output "00 11 c0 00 02 03"
	run lan_param 04
	assert_output "00 11 01"
	run lan_param 06
	assert_output "00 11 ff ff ff f0"
	run lan_param 0c
	assert_output "00 11 c0 00 02 01"
}

@test "the BMC's watchdog is armed: SMS/OS, hard reset, the asked timeout" {
	wait_until 120 grep -q "watchdog: BMC (IPMI, /dev/ipmi0), timeout 3600s, fed every 1200s" "$CONSOLE"
	# Get Watchdog Timer: cc, use 04 (SMS/OS), action 01 (hard reset),
	# pre-timeout 00, flags 00, initial countdown 36000 (8ca0) x 100 ms
	run bmc_ask 06 25
	assert_output "00 04 01 00 00 a0 8c"
}

@test "the BMC child never held up PID 1: the machine is on the network, services run" {
	wait_for_ping 192.0.2.10
	wait_until 60 grep -q "ready: services launched" "$CONSOLE"
	run grep -c "ready: services launched" "$CONSOLE"
	assert_output 1
}

@test "a power-off stops the BMC's watchdog" {
	wait_until 120 grep -q "watchdog: BMC (IPMI" "$CONSOLE"
	vm_monitor system_powerdown
	for _ in $(seq 60); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
	run kill -0 "$QEMU_PID"
	assert_failure
	run console_grep "watchdog: BMC|shutdown: power off now"
	assert_line "fathom: watchdog: BMC watchdog stopped"
	assert_line "fathom: shutdown: power off now"
	# action 00: no action on expiry
	run bmc_ask 06 25
	assert_output "00 04 00 00 00 a0 8c"
}

@test "a second boot with the same address (ePoxy's drac.ipv4=) writes nothing" {
	local d=$BATS_FILE_TMPDIR state sets
	[ -s "$d/bmc-lan" ] || skip "the first boot did not set the address"
	vm_destroy
	state=$(sha256sum < "$d/bmc-lan")
	sets=$(grep -c "^set \\|^check " "$d/bmc-lan.log")
	# The BMC restarts too (its settings come back from its state).
	vm_boot ipmi2 console=ttyS0,115200 fathom.ipv4=192.0.2.10/28,192.0.2.1 drac.ipv4=$DRAC
	echo "NS=$NS QEMU_PID=$QEMU_PID" > "$d/vm2"
	wait_until 120 grep -q "ipmi: BMC LAN channel 1: " "$CONSOLE"
	run console_grep "ipmi: BMC LAN channel 1: "
	assert_output "fathom: ipmi: BMC LAN channel 1: 192.0.2.3/28 via 192.0.2.1 already set"
	# read (all four parameters, again), never written
	run grep -c "^set \|^check " "$d/bmc-lan.log"
	assert_output "$sets"
	run sha256sum < "$d/bmc-lan"
	assert_output "$state"
	run tail -n 4 "$d/bmc-lan.log"
	assert_output "get ip_addr_src
get ip_addr
get subnet_mask
get default_gw_ip_addr"
	# no fathom.watchdog=ipmi this time: the restarted BMC's watchdog is
	# never set up (use 0, action 0, countdown 0)
	run bmc_ask 06 25
	assert_output "00 00 00 00 00 00 00"
	run grep -c "watchdog: BMC" "$CONSOLE"
	assert_output 0
	vm2_destroy
}
