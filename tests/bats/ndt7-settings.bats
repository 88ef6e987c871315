#!/usr/bin/env bats
# ndt7-server --settings ndt7: the machine's settings (a fake kernel command
# line, a medium's fathom.conf and a network.conf in a temporary directory)
# take effect on the wire, rank as documented (command line > fathom.conf >
# network.conf > nothing; explicit options over all), and a bad setting is
# one log line while the server still serves. Also: netcfg takes a
# fathom.conf holding ndt7.* lines without an error. Loopback only; every
# process started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../ndt7/assert'
load '../ndt7/server'

setup_file() {
	ndt7_setup_file ndt7 netcfg
	export NETCFG=$OUTDIR/build/$BOARD/netcfg
	export CLIENT="$TOP/tests/ndt7/client.js" PRELOAD="$TOP/tests/ndt7/ws-global.js"
	export ABUSE="$TOP/tests/ndt7/abuse.py"
	# The machine: a command line, the stick's fathom.conf, the overlay's
	# network.conf, each with a label, a limit and a mistake.
	printf '%s\n' 'BOOT_IMAGE=/vmlinuz ro fathom.ipv4=192.0.2.10/24 fathom.ndt7.label=site=cmdline "fathom.ndt7.label=city=New York" fathom.ndt7.max_tests_per_addr=2 fathom.ndt7.wrkers=2' > "$D/cmdline"
	printf '%s\n' '# the stick' 'ipv4=192.0.2.20/24,192.0.2.1' 'hostname=node1.example.org' \
		'ndt7.label = "machine=medium"' 'ndt7.max-tests-per-addr=9' 'ndt7.spool-max-bytes=lots' \
		'fathom.ndt7.verbose=yes' > "$D/fathom.conf"
	printf '%s\n' 'ndt7.label=deployment=overlay' 'ndt7.max-tests-per-addr=7' \
		'ndt7.label=machine=medium' > "$D/network.conf"
}

teardown_file() {
	stop_server ranked
	stop_server explicit
	stop_server broken
}

ndt7_client() {
	timeout 60 node -r "$PRELOAD" "$CLIENT" "$@"
}

# The ServerMetadata of the download record of the client's test ($output).
server_metadata() {
	uuid=$(echo "$output" | jq -r '.download.firstServer.ConnectionInfo.UUID')
	jq -c '.Download.ServerMetadata' "$1"/ndt7/*/*/*/ndt7-download-*."$uuid".json
}

@test "settings: labels from all three sources in rank order; the command line's limit wins; 503 on the wire" {
	read -r P _ <<< "$(free_ports)"
	start_server ranked --settings ndt7 --settings-cmdline "$D/cmdline" \
		--settings-file "$D/fathom.conf" --settings-file "$D/network.conf" \
		--ws-port "$P" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool1" --workers 1
	grep -q '^ndt7: settings: taken: --label --label --max-tests-per-addr --label --verbose --label$' "$D/ranked.log" ||
		{ cat "$D/ranked.log" >&2; false; }
	run ndt7_client "127.0.0.1:$P" ws download
	assert_success
	ndt7_test_ok download BytesAcked
	run server_metadata "$D/spool1"
	assert_output '[{"Name":"site","Value":"cmdline"},{"Name":"city","Value":"New York"},{"Name":"machine","Value":"medium"},{"Name":"deployment","Value":"overlay"}]'
	# fathom.ndt7.max_tests_per_addr=2 over 9 (fathom.conf) and 7 (network.conf).
	run timeout 20 python3 "$ABUSE" tests 127.0.0.1 "$P" 4
	assert_success
	echo "$output" | jq -e '.codes."101" == 2 and .codes."503" == 2'
	# --verbose from fathom.conf: connections are logged.
	grep -Eq '^ndt7: debug: download [^ ]+ from 127\.0\.0\.1:[0-9]+$' "$D/ranked.log"
}

@test "settings: a bad setting is one line naming it and where it came from; the server serves without it" {
	[ -e "$D/ranked.pid" ] || skip "needs the server of the test above"
	run grep -c '^ndt7: settings: ' "$D/ranked.log"
	assert_output 3	# two bad ones and the summary
	grep -qx 'ndt7: settings: kernel command line: ndt7.wrkers: unknown option (ndt7-server --help lists them); ignored' "$D/ranked.log"
	grep -qx "ndt7: settings: $D/fathom.conf:6: ndt7.spool-max-bytes: refused (the line above says why); ignored" "$D/ranked.log"
	grep -qx 'ndt7: --spool-max-bytes "lots": expected a number from 1 to 1125899906842624' "$D/ranked.log"
	stop_server ranked
}

@test "settings: explicit options win over the settings; labels add up after the settings' ones" {
	read -r P _ <<< "$(free_ports)"
	start_server explicit --settings ndt7 --settings-cmdline "$D/cmdline" \
		--settings-file "$D/network.conf" --max-tests-per-addr 3 --label deployment=explicit \
		--ws-port "$P" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool2" --workers 1
	run timeout 20 python3 "$ABUSE" tests 127.0.0.1 "$P" 5
	assert_success
	echo "$output" | jq -e '.codes."101" == 3 and .codes."503" == 2'
	run ndt7_client "127.0.0.1:$P" ws download
	assert_success
	run server_metadata "$D/spool2"
	assert_output '[{"Name":"site","Value":"cmdline"},{"Name":"city","Value":"New York"},{"Name":"deployment","Value":"overlay"},{"Name":"machine","Value":"medium"},{"Name":"deployment","Value":"explicit"}]'
	# No verbose=yes in these sources: connections are not logged.
	run grep -Ec '^ndt7: debug: download [^ ]+ from 127\.0\.0\.1:[0-9]+$' "$D/explicit.log"
	assert_output 0
	stop_server explicit
}

@test "settings: missing files are no settings; an unreadable one is one line; the server starts" {
	read -r P _ <<< "$(free_ports)"
	mkdir -p "$D/a-directory"
	start_server broken --settings ndt7 --settings-cmdline "$D/none" \
		--settings-file "$D/a-directory" --settings-file "$D/missing.conf" \
		--ws-port "$P" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool3" --workers 1
	grep -qx "ndt7: settings: $D/a-directory: cannot read it (Is a directory); ignored" "$D/broken.log" ||
		{ cat "$D/broken.log" >&2; false; }
	grep -qx 'ndt7: settings: taken: none' "$D/broken.log"
	run ndt7_client "127.0.0.1:$P" ws download
	assert_success
	stop_server broken
}

@test "settings: the --settings options themselves are checked (exit 2)" {
	run "$NDT7" --settings-file "$D/network.conf" --ws-port 1
	assert_failure 2
	assert_output 'ndt7: --settings-cmdline and --settings-file go with --settings PREFIX (e.g. --settings ndt7)'
	run "$NDT7" --ws-port 1 --settings
	assert_failure 2
	assert_output 'ndt7: --settings: missing its argument'
}

@test "netcfg: a fathom.conf with ndt7.* lines applies its network settings with no error line" {
	run "$NETCFG" check --file "$D/fathom.conf" ro
	assert_success
	assert_line 'ipv4: 192.0.2.20/24 gateway 192.0.2.1'
	assert_line 'hostname: node1.example.org'
	refute_output --partial 'ndt7'
	run "$NETCFG" check --file "$D/network.conf" ro fathom.ndt7.label=a=b
	assert_success
	assert_line 'ipv4: none'
	printf 'ndt7=x\n' > "$D/typo.conf"
	run "$NETCFG" check --file "$D/typo.conf" ro
	assert_failure 1
	assert_output --partial "$D/typo.conf:1: ndt7: unknown key: expected ipv4"
}
