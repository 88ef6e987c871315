#!/usr/bin/env bats
# netcfg against veth pairs in network namespaces the test creates: the
# appliance's side ("dut") and the switch's side ("peer"). Documentation
# prefixes only. netcfg runs with --allow-virtual (veth counts as a NIC).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
	OUTDIR=${FATHOM_OUT:-$BATS_TEST_DIRNAME/../../out}
	NETCFG=$OUTDIR/build/${FATHOM_BOARD:-qemu-x86_64}/netcfg
	DUT=fnc-dut-$$-$BATS_TEST_NUMBER
	PEER=fnc-peer-$$-$BATS_TEST_NUMBER
	DNSMASQ_PID= RUN_PID=
	ip netns add "$DUT"
	ip netns add "$PEER"
	ip -n "$DUT" link set lo up
	ip -n "$PEER" link set lo up
}

teardown() {
	[ -n "$RUN_PID" ] && kill "$RUN_PID" 2>/dev/null && wait "$RUN_PID" 2>/dev/null
	[ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null && wait "$DNSMASQ_PID" 2>/dev/null
	ip netns del "$DUT" 2>/dev/null
	ip netns del "$PEER" 2>/dev/null
	true
}

# link NAME MAC PEER_STATE: a veth NAME in the dut, its peer p-NAME in the
# peer namespace, up or down there (carrier on NAME needs both ends up).
link() {
	ip -n "$DUT" link add "$1" address "$2" type veth peer name "p-$1" netns "$PEER"
	ip -n "$PEER" link set "p-$1" "$3"
}

# The peer side of link NAME gets the gateway addresses.
gateway_on() {
	ip -n "$PEER" addr add 192.0.2.1/28 dev "p-$1"
	ip -n "$PEER" addr add 2001:db8::1/64 dev "p-$1" nodad
}

netcfg_apply() {
	run ip netns exec "$DUT" "$NETCFG" apply --allow-virtual "$@"
	echo "$output"
}

CFG="fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1 fathom.nodad"

@test "fathom.iface=MAC selects that link among three created in random order" {
	for n in $(printf '%s\n' 1 2 3 | shuf); do
		link "v$n" "02:00:00:00:00:0$n" up
	done
	netcfg_apply $CFG fathom.iface=02:00:00:00:00:02
	assert_success
	run ip -n "$DUT" -o -4 addr show to 192.0.2.10
	assert_output --partial " v2 "
	[ "$(ip -n "$DUT" -o -4 addr show | grep -c 192.0.2.10)" = 1 ]
}

@test "auto takes the link whose peer is up, not the first by index" {
	link va 02:00:00:00:00:0a down
	link vb 02:00:00:00:00:0b up
	netcfg_apply $CFG
	assert_success
	assert_output --partial "vb: chosen as uplink"
	run ip -n "$DUT" -o -4 addr show dev vb
	assert_output --partial "192.0.2.10/28"
	run ip -n "$DUT" -o -4 addr show dev va
	refute_output --partial "192.0.2.10"
}

@test "IPv4 and IPv6 with default routes, reachable from the peer" {
	link v1 02:00:00:00:00:01 up
	gateway_on v1
	netcfg_apply $CFG
	assert_success
	ip netns exec "$PEER" ping -c1 -W2 192.0.2.10
	ip netns exec "$PEER" ping -c1 -W2 2001:db8::10
	run ip -n "$DUT" route show default
	assert_output --partial "default via 192.0.2.1 dev v1"
	run ip -n "$DUT" -6 route show default
	assert_output --partial "default via 2001:db8::1 dev v1"
}

@test "a gateway outside the prefix gets an onlink default route" {
	link v1 02:00:00:00:00:01 up
	netcfg_apply fathom.ipv4=192.0.2.10/32,198.51.100.1
	assert_success
	run ip -n "$DUT" route show default
	assert_output --partial "default via 198.51.100.1 dev v1"
	assert_output --partial "onlink"
}

@test "no SLAAC address or RA route appears when the peer sends router advertisements" {
	link v1 02:00:00:00:00:01 up
	gateway_on v1
	ip -n "$PEER" addr add 2001:db8:5::1/64 dev p-v1 nodad
	ip netns exec "$PEER" dnsmasq --keep-in-foreground --port=0 --bind-interfaces \
		--interface=p-v1 --enable-ra --dhcp-range=2001:db8:5::,ra-only,64 \
		--ra-param=p-v1,3 --pid-file="$BATS_TEST_TMPDIR/dnsmasq.pid" 3>&- &
	DNSMASQ_PID=$!
	sleep 1
	netcfg_apply $CFG
	assert_success
	# Several RA intervals (--ra-param: every 3 s).
	sleep 8
	run ip -n "$DUT" -6 addr show dev v1 scope global
	assert_output --partial "2001:db8::10/64"
	refute_output --partial "2001:db8:5:"
	run ip -n "$DUT" -6 route show
	refute_output --partial "proto ra"
	[ "$(ip netns exec "$DUT" cat /proc/sys/net/ipv6/conf/v1/accept_ra)" = 0 ]
}

@test "the carrier deadline fails with one error naming the links tried" {
	link va 02:00:00:00:00:0a down
	link vb 02:00:00:00:00:0b down
	netcfg_apply $CFG fathom.link_timeout=2
	assert_failure
	assert_output --partial "netcfg: va, vb: no carrier after 2s; check the cable and switch port, or choose the uplink with fathom.iface=NAME|MAC"
}

@test "applying the same configuration twice changes nothing" {
	link v1 02:00:00:00:00:01 up
	netcfg_apply $CFG
	assert_success
	before=$(ip -n "$DUT" addr show dev v1; ip -n "$DUT" route; ip -n "$DUT" -6 route)
	netcfg_apply $CFG
	assert_success
	after=$(ip -n "$DUT" addr show dev v1; ip -n "$DUT" route; ip -n "$DUT" -6 route)
	assert_equal "$after" "$before"
}

@test "netcfg check prints the configuration, or the errors with exit 1" {
	run "$NETCFG" check $CFG fathom.iface=eth1
	assert_success
	assert_line "ipv4: 192.0.2.10/28 gateway 192.0.2.1"
	assert_line --partial "iface: name eth1"
	run "$NETCFG" check fathom.ipv4=192.0.2.10/33 fathom.iface=eth1
	assert_equal "$status" 1
	assert_output --partial 'netcfg: fathom.ipv4: "192.0.2.10/33": prefix length must be 0-32'
}

@test "netcfg refuses the platform API key on the kernel command line, naming it, never showing it" {
	run "$NETCFG" check $CFG fathom.iface=eth1 fathom.platform.api-key=throwaway-k3y-4711
	assert_equal "$status" 1
	assert_output --partial "netcfg: fathom.platform.api-key: the API key is a secret: put it in fathom.conf on the stick, not on the kernel command line"
	refute_output --partial "throwaway-k3y-4711"
	# Its other settings are not netcfg's, and not a problem.
	run "$NETCFG" check $CFG fathom.iface=eth1 fathom.platform.iata=lga fathom.platform.uplink=10g
	assert_success
}

# netcfg run in the background, as /init runs it: stdout gets "ready".
netcfg_run_bg() {
	ip netns exec "$DUT" "$NETCFG" run --allow-virtual "$@" \
		>"$BATS_TEST_TMPDIR/run.out" 2>"$BATS_TEST_TMPDIR/run.log" 3>&- &
	RUN_PID=$!
}

# wait_for FILE TEXT [SECONDS]: until TEXT is in FILE (default 15 s).
wait_for() {
	for _ in $(seq $(( ${3:-15} * 10 ))); do
		grep -q -- "$2" "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for \"$2\" in $1:"
	cat "$1"
	return 1
}

@test "netcfg run: after a link flap and an address flush, the configuration comes back" {
	link v1 02:00:00:00:00:01 up
	gateway_on v1
	netcfg_run_bg $CFG
	wait_for "$BATS_TEST_TMPDIR/run.out" ready
	ip netns exec "$PEER" ping -c1 -W2 192.0.2.10
	ip -n "$PEER" link set p-v1 down
	wait_for "$BATS_TEST_TMPDIR/run.log" "v1: carrier lost"
	ip -n "$PEER" link set p-v1 up
	# The peer's admin down dropped its own IPv6 address (the switch's
	# business, not the appliance's): give it back.
	ip -n "$PEER" addr replace 2001:db8::1/64 dev p-v1 nodad
	wait_for "$BATS_TEST_TMPDIR/run.log" "v1: carrier back"
	ip -n "$DUT" addr flush dev v1 scope global
	wait_for "$BATS_TEST_TMPDIR/run.log" "ipv4 192.0.2.10/28 was missing: restored"
	wait_for "$BATS_TEST_TMPDIR/run.log" "ipv6 2001:db8::10/64 was missing: restored"
	wait_for "$BATS_TEST_TMPDIR/run.log" "ipv4 default route was missing: restored"
	ip netns exec "$PEER" ping -c1 -W2 192.0.2.10
	for _ in $(seq 30); do ip netns exec "$PEER" ping -c1 -W1 2001:db8::10 && break; done
	ip netns exec "$PEER" ping -c1 -W2 2001:db8::10
	run ip -n "$DUT" route show default
	assert_output --partial "default via 192.0.2.1 dev v1"
}

@test "netcfg run: past the deadline it keeps listening, and configures when carrier comes" {
	link v1 02:00:00:00:00:01 down
	gateway_on v1
	netcfg_run_bg $CFG fathom.link_timeout=1
	wait_for "$BATS_TEST_TMPDIR/run.log" "v1: no carrier after 1s"
	[ ! -s "$BATS_TEST_TMPDIR/run.out" ]
	ip -n "$PEER" link set p-v1 up
	wait_for "$BATS_TEST_TMPDIR/run.out" ready
	ip netns exec "$PEER" ping -c1 -W2 192.0.2.10
}

# netcfg run --appliance, as /init runs it, in private mount and UTS
# namespaces: /etc is a tmpfs holding FILES/network.conf, /proc/cmdline is
# FILES/cmdline; resolv.conf and the hostname land there, not on the host.
netcfg_appliance_bg() {
	local files=$BATS_TEST_TMPDIR/files
	cat > "$files/run.sh" <<-'EOS'
	mount -t tmpfs tmpfs /etc && mkdir /etc/fathom &&
	cp "$1/network.conf" /etc/fathom/network.conf &&
	mount --bind "$1/cmdline" /proc/cmdline && exec "$2" run --appliance --allow-virtual
	EOS
	ip netns exec "$DUT" unshare --mount --uts --propagation private sh "$files/run.sh" \
		"$files" "$NETCFG" >"$BATS_TEST_TMPDIR/run.out" 2>"$BATS_TEST_TMPDIR/run.log" 3>&- &
	RUN_PID=$!
}

@test "netcfg run --appliance: /proc/cmdline outranks network.conf; resolv.conf, hostname; levelled lines" {
	mkdir -p "$BATS_TEST_TMPDIR/files"
	link v1 02:00:00:00:00:01 up
	gateway_on v1
	echo "fathom.ipv4=192.0.2.10/28,192.0.2.1,192.0.2.53 fathom.hostname=dut.example.org" \
		"fathom.iface=v1 fathom.ipv6=" > "$BATS_TEST_TMPDIR/files/cmdline"
	printf '%s\n' "ipv4=198.51.100.10/24,198.51.100.1" "hostname=conf.example.org" "mtu=1400" \
		> "$BATS_TEST_TMPDIR/files/network.conf"
	netcfg_appliance_bg
	wait_for "$BATS_TEST_TMPDIR/run.out" ready
	cat "$BATS_TEST_TMPDIR/run.log"
	ip netns exec "$PEER" ping -c1 -W2 192.0.2.10
	run ip -n "$DUT" -o addr show dev v1
	refute_output --partial 198.51.100.10
	assert_output --partial 192.0.2.10/28
	ip -n "$DUT" link show v1 | grep -q "mtu 1400"
	grep -qx "nameserver 192.0.2.53" "/proc/$RUN_PID/root/etc/resolv.conf"
	[ "$(nsenter -t "$RUN_PID" -u hostname)" = dut.example.org ]
	[ "$(hostname)" != dut.example.org ]
	run cat "$BATS_TEST_TMPDIR/run.log"
	assert_output --partial "<6>netcfg: v1: chosen as uplink"
	assert_output --partial "<6>netcfg: ready"
}
