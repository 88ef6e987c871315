#!/usr/bin/env bats
# ndt7's result records as M-Lab's pipeline reads them (docs/ndt7.md,
# "Records"): the spool layout ndt7/YYYY/MM/DD/, UUIDs from the host name,
# the boot time and the socket's cookie, --compress yes, and every field of
# the data format with its type (tests/ndt7/check_record.py). The real
# server and M-Lab's JS client on loopback; every process stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../ndt7/assert'
load '../ndt7/server'

setup_file() {
	ndt7_setup_file ndt7
	export CHECK=$TOP/tests/ndt7/check_record.py
	export PYTHONDONTWRITEBYTECODE=1
	export CLIENT="$TOP/tests/ndt7/client.js" PRELOAD="$TOP/tests/ndt7/ws-global.js"
	export RAW="$TOP/tests/ndt7/raw.js"
	for _ in 1 2 3; do
		read -r WS WSGZ WS3 <<-EOF
		$(free_ports)
		EOF
		start_server plain --ws-port "$WS" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool" \
			--workers 1 --label deployment=bats --label site=records &&
			start_server gz --ws-port "$WSGZ" --wss-port 0 --listen 127.0.0.1 \
				--spool-dir "$D/spool-gz" --workers 1 --compress yes && break
		stop_server plain
		stop_server gz
	done
	export WS WSGZ WS3
	[ -e "$D/plain.pid" ] && [ -e "$D/gz.pid" ]
	# The expected UUID prefix: this machine's name and boot time.
	PREFIX="$(uname -n | tr -c 'A-Za-z0-9.\n-' '-')_$(awk '$1 == "btime" { print $2 }' /proc/stat)"
	export PREFIX
	# One run of both tests for the checks below.
	date -u +%s > "$D/t0"
	timeout 60 node -r "$PRELOAD" "$CLIENT" "127.0.0.1:$WS" ws both > "$D/both.json"
	date -u +%s > "$D/t1"
}

teardown_file() {
	stop_server plain
	stop_server gz
	stop_server small
}

# record TEST: the path of the record of TEST in $D/both.json (by UUID).
record() {
	uuid=$(jq -r --arg t "$1" '.[$t].firstServer.ConnectionInfo.UUID' "$D/both.json")
	find "$D/spool/ndt7" -type f -name "ndt7-$1-*.$uuid.json"
}

bbr_flag() {
	grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control && echo --bbr || true
}

@test "records: ndt7/YYYY/MM/DD/ndt7-TEST-YYYYMMDDTHHMMSS.nnnnnnnnnZ.UUID.json, UTC, at the time written" {
	output=$(cat "$D/both.json")
	ndt7_test_ok download BytesAcked
	ndt7_test_ok upload BytesReceived
	for t in download upload; do
		f=$(record $t)
		[ "$(echo "$f" | wc -l)" = 1 ] && [ -s "$f" ] || { echo "no record of $t: $f" >&2; false; }
		rel=${f#"$D/spool/"}
		[[ $rel =~ ^ndt7/([0-9]{4})/([0-9]{2})/([0-9]{2})/ndt7-$t-([0-9]{8})T([0-9]{6})\.([0-9]{9})Z\.(.+)\.json$ ]] ||
			{ echo "path $rel" >&2; false; }
		# The directory is the name's day; the name's time within the run.
		[ "${BASH_REMATCH[1]}${BASH_REMATCH[2]}${BASH_REMATCH[3]}" = "${BASH_REMATCH[4]}" ]
		d=${BASH_REMATCH[4]} hms=${BASH_REMATCH[5]}
		when=$(date -u -d "${d:0:4}-${d:4:2}-${d:6:2} ${hms:0:2}:${hms:2:2}:${hms:4:2}" +%s)
		[ "$when" -ge "$(cat "$D/t0")" ] && [ "$when" -le "$(cat "$D/t1")" ]
		[ "${BASH_REMATCH[7]}" = "$(jq -r ".${t^}.UUID" "$f")" ]
		# Modes: directories 0775 (the uploader, group ndt7, removes what it
		# uploaded), files 0640 (umask permitting), no temporary files left.
		[ "$(stat -c %a "$(dirname "$f")")" = 775 ] && [ "$(stat -c %a "$f")" = 640 ]
	done
	[ -z "$(find "$D/spool" -name '.*.tmp')" ]
}

@test "UUID: <hostname>_<btime of /proc/stat>_<the socket's SO_COOKIE as %016X>, the cookie ss shows" {
	for t in download upload; do
		uuid=$(jq -r ".$t.firstServer.ConnectionInfo.UUID" "$D/both.json")
		[[ $uuid =~ ^${PREFIX//./\\.}_[0-9A-F]{16}$ ]] || { echo "$uuid vs $PREFIX" >&2; false; }
	done
	# While a download runs, the kernel's socket cookie (ss -e: sk:HEX) of
	# the server's side of the connection.
	timeout 60 node -r "$PRELOAD" "$CLIENT" "127.0.0.1:$WS" ws download > "$D/one.json" &
	client=$!
	for _ in $(seq 50); do
		cookies=$(ss -tne state established "( sport = :$WS )" | grep -o 'sk:[0-9a-f]*' | cut -c4-)
		[ -n "$cookies" ] && break
		sleep 0.1
	done
	wait "$client"
	uuid=$(jq -r .download.firstServer.ConnectionInfo.UUID "$D/one.json")
	cookie=$(printf '%x' "0x${uuid##*_}")
	echo "UUID $uuid; cookies of port $WS: $cookies" >&2
	echo "$cookies" | grep -qx "$cookie"
	# ...and the record of that test has it.
	find "$D/spool/ndt7" -name "ndt7-download-*.$uuid.json" | grep -q .
}

@test "every field of the data format, with its JSON type and range, in both records" {
	for t in download upload; do
		run python3 "$CHECK" "$(record $t)" $(bbr_flag)
		assert_success
		assert_output ''
	done
	f=$(record download)
	# Labels are the ServerMetadata; the client's metadata is there.
	jq -e '.Download.ServerMetadata == [{"Name": "deployment", "Value": "bats"},
		{"Name": "site", "Value": "records"}] and
		(.Download.ClientMetadata | map(select(.Name == "client_name"))[0].Value) ==
		"fathom-bats" and (.ServerIP == "127.0.0.1") and (.ClientPort > 0)' "$f"
	# BBR on the accepted socket, when the kernel has it: the record says so.
	if [ -n "$(bbr_flag)" ]; then
		jq -e '[.Download.ServerMeasurements[] | .BBRInfo.BW] | all(type == "number")' "$f"
	fi
	# The checker itself notices a missing field, a wrong type, a value out of range.
	jq 'del(.Download.UUID)' "$f" > "$D/bad1.json"
	jq '.Download.ServerMeasurements[0].TCPInfo.RTT = "1"' "$f" > "$D/bad2.json"
	jq '.Download.ServerMeasurements[0].TCPInfo.SegsOut = 4294967295' "$f" > "$D/bad3.json"
	jq '.Download.ServerMeasurements[0].Origin = "server"' "$f" > "$D/bad4.json"
	for n in 1 2 3 4; do
		run python3 "$CHECK" "$D/bad$n.json"
		assert_failure
	done
}

@test "--compress yes: the record is .json.gz, gzip, and inflates to a record of the data format" {
	run timeout 60 node -r "$PRELOAD" "$CLIENT" "127.0.0.1:$WSGZ" ws download
	assert_success
	ndt7_test_ok download BytesAcked
	uuid=$(echo "$output" | jq -r .download.firstServer.ConnectionInfo.UUID)
	f=$(find "$D/spool-gz/ndt7" -type f -name "ndt7-download-*.$uuid.json.gz")
	[ -n "$f" ]
	[ -z "$(find "$D/spool-gz" -type f -name '*.json')" ]
	[ "$(head -c 2 "$f" | od -An -tx1 | tr -d ' ')" = 1f8b ]
	gzip -t "$f"
	run python3 "$CHECK" "$f" $(bbr_flag)
	assert_success
	gzip -dc "$f" | jq -e --arg u "$uuid" '.Download.UUID == $u'
	# Smaller than the plain record of a test as long.
	[ "$(stat -c %s "$f")" -lt "$(stat -c %s "$(record download)")" ]
}

@test "the spool bound prunes the oldest records across days and removes the emptied day directories" {
	old=$D/spool3/ndt7/2020/01/01
	mkdir -p "$old" "$D/spool3/ndt7/2020/01/02"
	head -c 5000 /dev/zero > "$old/ndt7-download-20200101T000000.000000000Z.h_1_0000000000000001.json"
	head -c 100 /dev/zero > "$D/spool3/ndt7/2020/01/02/ndt7-upload-20200102T000000.000000000Z.h_1_0000000000000002.json"
	touch -d 2020-01-01 "$old"/*.json
	touch -d 2020-01-02 "$D/spool3/ndt7/2020/01/02"/*.json
	start_server small --ws-port "$WS3" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool3" \
		--spool-max-bytes 6000 --workers 1
	run timeout 60 node "$RAW" quick 127.0.0.1 "$WS3" 3
	assert_output '{"codes":[101,101,101]}'
	stop_server small
	[ ! -e "$old" ]			# the oldest record and its day are gone
	[ -d "$D/spool3/ndt7/2020/01/02" ]	# the next day is kept
	[ "$(find "$D/spool3/ndt7" -name 'ndt7-download-*.json' -newer "$D/t0" | wc -l)" = 3 ]
	grep -q "spool $D/spool3: over 6000 bytes: removed oldest record ndt7/2020/01/01/ndt7-download-20200101T000000.000000000Z.h_1_0000000000000001.json" "$D/small.log"
}
