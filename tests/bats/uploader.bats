#!/usr/bin/env bats
# The uploader (services/uploader) end to end against the stand-in for
# Google's token endpoint and GCS (tests/uploader/standin_gcs.py, TLS with
# a throwaway CA and service-account key made here, on 127.0.0.1): records
# written into a spool as ndt7 writes them arrive in the stand-in's bucket
# as gzip JSON Lines, each record id exactly once (the store is keyed by
# object name, so a re-uploaded bundle replaces itself), whatever fault the
# stand-in injects; after a SIGKILL mid-upload and a restart; and under
# the spool bound in a long outage (drops counted and logged, the newest
# kept). Every process started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../lib/build'
load '../uploader/lib'

setup_file() {
	/usr/bin/python3 -c 'import cryptography' 2> /dev/null ||
		skip "python3-cryptography missing: run scripts/deps"
	export D=$BATS_FILE_TMPDIR
	make_targets uploader
	export UPLOADER=$OUTDIR/build/qemu-x86_64/uploader
	[ -x "$UPLOADER" ] || UPLOADER=$(find "$OUTDIR/build" -maxdepth 2 -name uploader -type f | head -1)
	make_ca "$D/ca" localhost 127.0.0.1
	make_sa "$D/sa.json"
	(umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' > "$D/put-token")
	gcs_start
}

teardown_file() {
	gcs_stop
}

setup() {
	gctl clear > /dev/null
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/spool/ndt7" "$T/state"
	rm -rf "$D/store/gcs"
	MPORT=
}

teardown() {
	up_kill TERM
	# On failure, what the uploader said (bats shows it).
	[ -n "${BATS_TEST_COMPLETED:-}" ] || tail -20 "$T/up.log" 2> /dev/null || true
}

# up_start [ARGS...]: the uploader on $T's spool, to bucket archive-test,
# small bundles, short timeouts and retries; its log in $T/up.log.
up_start() {
	"$UPLOADER" --spool-dir "$T/spool" --state-dir "$T/state" --target gcs \
		--bucket archive-test --org org1 --node node1 --service-account-file "$D/sa.json" \
		--token-url "$GURL/token" --gcs-endpoint "$GURL" --ca-file "$D/ca/ca.pem" \
		--timeout 2 --retry-max 1 --bundle-max-age 1 --bundle-max-bytes 2048 \
		--status-file "$T/status" --metrics-listen 127.0.0.1:0 "$@" \
		>> "$T/up.log" 2>&1 3>&- &
	echo $! > "$T/up.pid"
	# The port the kernel gave (no race with other tests on the host).
	wait_for 10 grep -q "metrics at http://127.0.0.1:[0-9]*/metrics" "$T/up.log"
	MPORT=$(sed -n 's|.*metrics at http://127.0.0.1:\([0-9]*\)/metrics|\1|p' "$T/up.log" | tail -1)
}

# up_kill SIGNAL: stop the uploader started by up_start (by its pid).
up_kill() { pid_stop "$T/up.pid" "$1"; }

# spool FROM TO: records id-FROM..id-TO as ndt7 writes them (a hidden
# temporary file renamed into the day directory), one a line or pretty;
# written hours ago (their age makes them due), or now with SPOOL_FRESH=1.
spool() {
	local d=$T/spool/ndt7/2026/12/07 i
	mkdir -p "$d"
	for i in $(seq "$1" "$2"); do
		printf '{"GitShortCommit":"t","ServerIP":"192.0.2.1","Download":{"UUID":"id-%05d",%s"StartTime":"2026-12-07T10:00:00Z"}}\n' \
			"$i" "$(printf '"Pad":"%0200d",' 0)" > "$d/.ndt7-download-$i.json.tmp"
		[ -n "${SPOOL_FRESH:-}" ] || touch -d "@$((1796630000 + i))" "$d/.ndt7-download-$i.json.tmp"
		mv "$d/.ndt7-download-$i.json.tmp" "$d/ndt7-download-$i.json"
	done
}

spooled() { find "$T/spool" -name '*.json' | wc -l; }
spool_empty() { [ "$(spooled)" -eq 0 ] && [ ! -e "$T/state/inflight.journal" ]; }

# stored_ids: the ndt7 record ids in the bucket's objects, one a line, sorted
# (duplicates kept: the caller checks there are none).
stored_ids() {
	find "$D/store/gcs/archive-test" -path '*/ndt/ndt7/*' -name '*.jsonl.gz' -print0 2> /dev/null |
		xargs -0 -r zcat | jq -r '.Raw.Download.UUID' | sort
}

# exactly_once FROM TO: ids FROM..TO each stored exactly once, nothing else.
exactly_once() {
	diff <(stored_ids) <(for i in $(seq "$1" "$2"); do printf 'id-%05d\n' "$i"; done)
}

metric() {
	curl -sS --max-time 5 "http://127.0.0.1:$MPORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}

@test "records arrive as gzip JSONL under jostler's object names; status line and metrics" {
	up_start
	spool 1 20
	wait_for 30 spool_empty
	exactly_once 1 20
	find "$D/store/gcs/archive-test" -type f | sed "s|$D/store/gcs/archive-test/||" |
		grep -Ev '^autoload/v2/org1/ndt/ndt7/20[0-9]{2}/[0-9]{2}/[0-9]{2}/[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-ndt7-node1-ndt-data\.jsonl\.gz$' &&
		false
	# Each line in jostler's standard columns, the record itself under Raw.
	f=$(find "$D/store/gcs/archive-test" -name '*.jsonl.gz' | head -1)
	obj=${f#"$D/store/gcs/archive-test/"}
	zcat "$f" | jq -e --arg url "gs://archive-test/$obj" --arg spool "$T/spool/ndt7/2026/12/07/" \
		'.Date == "2026-12-07" and .Archiver.ArchiveURL == $url and
		 (.Archiver.Filename | startswith($spool)) and
		 (.Archiver.Version | startswith("fathom-uploader-")) and
		 .Raw.ServerIP == "192.0.2.1" and (keys_unsorted == ["Date", "Archiver", "Raw"])' > /dev/null
	[ "$(metric uploader_records_total)" -eq 20 ]
	[ "$(metric uploader_bundles_total)" -ge 2 ]
	[ "$(metric uploader_queue_records)" -eq 0 ]
	wait_for 15 grep -q "^[0-9]* bundles sent, last [0-9:]*Z, queue 0 records$" "$T/status"
}

# fault_round ENDPOINT KIND: with that fault on the next two requests, 10
# records written meanwhile all arrive exactly once; the failures counted.
fault_round() {
	up_start
	gctl "fault?endpoint=$1&kind=$2&count=2&seconds=5" > /dev/null
	spool 1 10
	wait_for 60 spool_empty || { cat "$T/up.log" >&2; false; }
	exactly_once 1 10
	grep -q "upload of autoload/v2/org1/ndt/ndt7/.* failed" "$T/up.log"
	curl -sS "http://127.0.0.1:$MPORT/metrics" | grep -q '^uploader_failures_total{reason='
}

@test "fault 500: every record exactly once" { fault_round upload 500; }
@test "fault 503: every record exactly once" { fault_round upload 503; }
@test "fault 429: every record exactly once" { fault_round upload 429; }
@test "fault reset mid-body: every record exactly once" { fault_round upload reset; }
@test "fault stall past the timeout: every record exactly once" { fault_round upload stall; }
@test "fault wrong checksum: every record exactly once" { fault_round upload checksum; }
@test "fault 401 on upload (token refused): every record exactly once" { fault_round upload 401; }
@test "fault 503 on the token endpoint: every record exactly once" { fault_round token 503; }

@test "token expiry: every token issued so far refused; a new one, every record once" {
	up_start
	spool 1 5
	wait_for 30 spool_empty
	gctl expire > /dev/null
	spool 6 15
	wait_for 30 spool_empty
	exactly_once 1 15
	[ "$(gcount tokens_issued)" -ge 2 ]
}

@test "SIGKILL mid-upload, restart: the bundle in flight again under its name, every record once" {
	gctl "fault?endpoint=upload&kind=stall&count=1&seconds=20" > /dev/null
	spool 1 12
	up_start --timeout 15 --bundle-max-bytes 100000
	wait_for 20 test -e "$T/state/inflight.journal"
	wait_for 20 bash -c "[ \"\$(curl -sS http://127.0.0.1:$GCPORT/stats | jq '.requests.upload // 0')\" -ge 1 ]"
	obj=$(sed -n 's/^object //p' "$T/state/inflight.journal")
	up_kill KILL
	[ "$(spooled)" -eq 12 ]
	gctl clear > /dev/null
	spool 13 20
	up_start
	wait_for 30 spool_empty
	grep -q "resuming the bundle in flight before the restart: $obj (12 records" "$T/up.log"
	[ -f "$D/store/gcs/archive-test/$obj" ]
	[ "$(zcat "$D/store/gcs/archive-test/$obj" | wc -l)" -eq 12 ]
	exactly_once 1 20
}

# term_exit: SIGTERM to the uploader started by up_start; echoes the ms it
# took to exit (it must exit by itself: up_kill would SIGKILL after 5 s).
term_exit() {
	local pid start
	pid=$(cat "$T/up.pid")
	start=$(date +%s%N)
	kill -TERM "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2> /dev/null && return 1
	rm -f "$T/up.pid"
	echo $((($(date +%s%N) - start) / 1000000))
}

# annotations FROM TO: records of a second datatype, annotation2.
annotations() {
	local d=$T/spool/annotation2/2026/12/07 i
	mkdir -p "$d"
	for i in $(seq "$1" "$2"); do
		printf '{"UUID":"ann-%05d","Server":{"IP":"192.0.2.1"}}\n' "$i" > "$d/.a$i.tmp"
		mv "$d/.a$i.tmp" "$d/a$i.json"
	done
}

@test "SIGTERM: what is waiting goes in a final flush, one bundle per datatype, before the exit" {
	# Neither size nor age makes a bundle due: only the flush sends them.
	up_start --bundle-max-age 3600 --bundle-max-bytes 1000000
	SPOOL_FRESH=1 spool 1 10
	annotations 1 3
	wait_for 10 bash -c "[ \"\$(curl -sS http://127.0.0.1:$MPORT/metrics | awk '\$1 == \"uploader_queue_records\" { print \$2 }')\" = 13 ]"
	[ "$(find "$D/store/gcs" -type f 2> /dev/null | wc -l)" -eq 0 ]
	ms=$(term_exit)
	[ "$ms" -lt 4500 ]
	exactly_once 1 10
	[ "$(find "$D/store/gcs/archive-test/autoload/v2/org1/ndt/ndt7" -name '*.jsonl.gz' | wc -l)" -eq 1 ]
	f=$(find "$D/store/gcs/archive-test/autoload/v2/org1/ndt/annotation2" -name '*-annotation2-node1-ndt-data.jsonl.gz')
	[ "$(zcat "$f" | jq -r .Raw.UUID | sort | tr '\n' ' ')" = "ann-00001 ann-00002 ann-00003 " ]
	spool_empty
	grep -q "stopping: 2 bundles sent in the final flush" "$T/up.log"
	grep -q "^2 bundles sent, last [0-9:]*Z, queue 0 records$" "$T/status"
}

@test "SIGTERM with the archive stalling: exits within the bound, the bundle journaled and sent after a restart" {
	# --timeout 60: without the flush's own bound this would hang past init's 5 s.
	gctl "fault?endpoint=upload&kind=stall&count=1&seconds=30" > /dev/null
	up_start --bundle-max-age 3600 --bundle-max-bytes 1000000 --timeout 60
	SPOOL_FRESH=1 spool 1 10
	wait_for 10 bash -c "[ \"\$(curl -sS http://127.0.0.1:$MPORT/metrics | awk '\$1 == \"uploader_queue_records\" { print \$2 }')\" = 10 ]"
	ms=$(term_exit)
	[ "$ms" -lt 4500 ]
	[ "$(spooled)" -eq 10 ]
	obj=$(sed -n 's/^object //p' "$T/state/inflight.journal")
	[ -n "$obj" ]
	grep -q "stopping: $obj not uploaded in the final flush; its 10 records stay in the spool" "$T/up.log"
	grep -q "stopping: 0 bundles sent in the final flush" "$T/up.log"
	gctl clear > /dev/null
	up_start --bundle-max-age 3600 --bundle-max-bytes 1000000
	wait_for 30 spool_empty
	grep -q "resuming the bundle in flight before the restart: $obj (10 records" "$T/up.log"
	exactly_once 1 10
}

@test "SIGTERM with nothing listening: exits at once, records kept in the spool and the journal" {
	# A port the kernel just gave and took back: nothing listens there.
	dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$UPLOADER" --spool-dir "$T/spool" --state-dir "$T/state" --target gcs \
		--bucket archive-test --org org1 --node node1 --service-account-file "$D/sa.json" \
		--token-url "https://127.0.0.1:$dead/token" --gcs-endpoint "https://127.0.0.1:$dead" \
		--ca-file "$D/ca/ca.pem" --bundle-max-age 3600 --status-file "$T/status" \
		> "$T/up.log" 2>&1 3>&- &
	echo $! > "$T/up.pid"
	SPOOL_FRESH=1 spool 1 5
	wait_for 10 grep -q "queue 5 records" "$T/status"
	ms=$(term_exit)
	[ "$ms" -lt 4500 ]
	[ "$(spooled)" -eq 5 ]
	grep -q "^object autoload/v2/org1/ndt/ndt7/" "$T/state/inflight.journal"
	grep -q "not uploaded in the final flush; its 5 records stay in the spool" "$T/up.log"
}

@test "spool bound in a long outage: oldest dropped, counted, logged once; newest kept" {
	gctl "fault?endpoint=upload&kind=503&count=0" > /dev/null
	# Each record is 321 bytes: a bound of 20 of them.
	up_start --spool-max-bytes 6600 --bundle-max-bytes 1024
	spool 1 20
	sleep 2
	for b in 21 41 61; do
		spool $b $((b + 19))
		sleep 1.5
	done
	wait_for 20 bash -c "[ \"\$(find $T/spool -name '*.json' | wc -l)\" -le 21 ]"
	sleep 1
	dropped=$(metric uploader_dropped_records_total)
	kept=$(spooled)
	[ "$dropped" -ge 55 ]
	[ $((dropped + kept)) -eq 80 ]
	# the newest are all there
	for i in $(seq 70 80); do [ -e "$T/spool/ndt7/2026/12/07/ndt7-download-$i.json" ]; done
	[ "$(grep -c 'dropping the oldest records' "$T/up.log")" -eq 1 ]
	grep -q "^0 bundles sent, queue [0-9]* records (oldest [0-9]*s); failing since .* (http_5xx), $dropped records dropped" "$T/status" ||
		wait_for 12 grep -q "records dropped" "$T/status"
	gctl clear > /dev/null
	wait_for 40 spool_empty
	# what was kept arrives, exactly once; nothing dropped arrives
	n=$(stored_ids | wc -l)
	[ "$n" -eq "$kept" ]
	[ -z "$(stored_ids | uniq -d)" ]
	stored_ids | tail -1 | grep -qx 'id-00080'
}

@test "a bad record is quarantined and counted; the others go" {
	up_start
	spool 1 3
	printf '{"Download":' > "$T/spool/ndt7/2026/12/07/ndt7-download-bad.json"
	printf '{"ServerIP":"192.0.2.1"}' > "$T/spool/ndt7/2026/12/07/ndt7-download-noid.json"
	wait_for 30 spool_empty
	exactly_once 1 3
	[ -f "$T/state/quarantine/ndt7_2026_12_07_ndt7-download-bad.json" ]
	[ -f "$T/state/quarantine/ndt7_2026_12_07_ndt7-download-noid.json" ]
	[ "$(metric uploader_quarantined_records_total)" -eq 2 ]
	grep -q "record .*ndt7-download-noid.json refused: no Download.UUID or Upload.UUID" "$T/up.log"
}

@test "names from the registration: waits quietly for it, then bucket, org and node from the hostname" {
	"$UPLOADER" --spool-dir "$T/spool" --state-dir "$T/state" \
		--registration-file "$T/registration.json" --service-account-file "$D/sa.json" \
		--token-url "$GURL/token" --gcs-endpoint "$GURL" --ca-file "$D/ca/ca.pem" \
		--bundle-max-age 1 --status-file "$T/status" > "$T/up.log" 2>&1 3>&- &
	echo $! > "$T/up.pid"
	spool 1 3
	wait_for 10 grep -q "^waiting for the registration ($T/registration.json)" "$T/status"
	[ "$(spooled)" -eq 3 ]
	host=ndt-lga1234-c0a80001.org2.sandbox.measurement-lab.org
	echo "{\"Hostname\":\"$host\",\"Heartbeat\":{},\"Annotation\":null}" > "$T/registration.json"
	wait_for 30 spool_empty
	f=$(find "$D/store/gcs/archive-mlab-sandbox/autoload/v2/org2/ndt/ndt7" -name "*-ndt7-c0a80001-lga1234-ndt-data.jsonl.gz")
	[ "$(zcat "$f" | wc -l)" -eq 3 ]
	[ "$(grep -c 'waiting for the registration' "$T/up.log")" -eq 1 ]
}

@test "settings: upload.OPTION=VALUE in a file, explicit options win, a bad one named" {
	printf 'upload.bundle-max-age=1\nupload.org=org1\nupload.node=fromsettings\nupload.timeout=abc\nupload.bogus=1\n' > "$T/upload.conf"
	: > "$T/cmdline"
	up_start --settings upload --settings-file "$T/upload.conf" --settings-cmdline "$T/cmdline" --node explicit
	spool 1 2
	wait_for 30 spool_empty
	find "$D/store/gcs/archive-test" -name '*-ndt7-explicit-ndt-data.jsonl.gz' | grep -q .
	grep -q 'upload.timeout=abc: --timeout "abc"' "$T/up.log"
}

@test "a spool that does not exist yet: said once, then its records go once it appears" {
	rm -rf "$T/spool"
	up_start
	wait_for 10 grep -q "spool $T/spool: cannot list: No such file or directory (made by ndt7-server" "$T/up.log"
	mkdir -p "$T/spool/ndt7"
	spool 1 3
	wait_for 45 spool_empty
	exactly_once 1 3
	[ "$(grep -c 'cannot list' "$T/up.log")" -eq 1 ]
	grep -q "spool $T/spool: there now" "$T/up.log"
}

@test "PUT target: bundles to the URL template with the bearer token" {
	"$UPLOADER" --spool-dir "$T/spool" --state-dir "$T/state" --target put \
		--put-url "$GURL/put/{object}" --put-token-file "$D/put-token" --ca-file "$D/ca/ca.pem" \
		--org org1 --node node1 --bundle-max-age 1 --status-file "$T/status" \
		> "$T/up.log" 2>&1 3>&- &
	echo $! > "$T/up.pid"
	spool 1 4
	wait_for 30 spool_empty
	[ "$(find "$D/store/put/autoload/v2/org1/ndt/ndt7" -name '*.jsonl.gz' -print0 | xargs -0 zcat | wc -l)" -eq 4 ]
}

# no_secret FILE...: none of the files holds the key's body, a token the
# stand-in issued (ya29.), or the PUT token.
no_secret() {
	local k1 k2 put
	k1=$(jq -r .private_key "$D/sa.json" | sed -n 2p)
	k2=$(jq -r .private_key "$D/sa.json" | sed -n 10p)
	put=$(cat "$D/put-token")
	[ ${#k1} -ge 60 ] && [ ${#k2} -ge 60 ] && [ ${#put} -ge 20 ]
	! grep -F -e "$k1" -e "$k2" -e "$put" -e "MARKSECRET" -- "$@"
	! grep -F 'ya29.' -- "$@"
}

@test "secrets: never in the log, the status line, the metrics or the state; nothing there readable by others" {
	gctl "fault?endpoint=upload&kind=401&count=1" > /dev/null
	up_start
	spool 1 5
	wait_for 30 spool_empty
	gctl expire > /dev/null
	gctl "fault?endpoint=token&kind=400&count=1" > /dev/null
	spool 6 10
	wait_for 30 spool_empty
	exactly_once 1 10
	grep -q "failed" "$T/up.log"
	curl -sS "http://127.0.0.1:$MPORT/metrics" > "$T/metrics.txt"
	up_kill TERM
	# the PUT target refused once, then a rotated token; the file readable
	# by others: a warning naming it (never its content)
	echo wrongMARKSECRETwrongwrongwrong > "$T/wrong-token"
	chmod 0644 "$T/wrong-token"
	"$UPLOADER" --spool-dir "$T/spool" --state-dir "$T/state" --target put \
		--put-url "$GURL/put/{object}" --put-token-file "$T/wrong-token" --ca-file "$D/ca/ca.pem" \
		--org org1 --node node1 --bundle-max-age 1 --retry-max 1 --status-file "$T/status" \
		>> "$T/up.log" 2>&1 3>&- &
	echo $! > "$T/up.pid"
	SPOOL_FRESH=1 spool 11 12
	wait_for 15 grep -q "upload of .* failed (auth" "$T/up.log"
	grep -q "warning: the bearer token file $T/wrong-token is readable by others (mode 0644): chmod o-rwx" "$T/up.log"
	cp "$D/put-token" "$T/wrong-token"
	wait_for 30 spool_empty
	up_kill TERM
	# a damaged key file: the error names the file and the line, never its text
	jq '.private_key |= sub("\n(?<a>[A-Za-z0-9+/]{20})"; "\nMARKSECRET\(.a)\\q")' "$D/sa.json" |
		sed 's/\\\\q/\\q/' > "$T/bad-sa.json"
	grep -q 'MARKSECRET' "$T/bad-sa.json"
	! jq . "$T/bad-sa.json" > /dev/null 2>&1
	timeout 5 "$UPLOADER" --spool-dir "$T/spool" --state-dir "$T/state" --bucket b --org o \
		--node n --service-account-file "$T/bad-sa.json" --status-file "$T/status" \
		>> "$T/up.log" 2>&1 3>&- || true
	grep -q "service-account key $T/bad-sa.json: not JSON" "$T/up.log"
	no_secret "$T/up.log" "$T/status" "$T/metrics.txt"
	find "$T/state" -type f -exec cat {} + > "$T/state-all"
	no_secret "$T/state-all"
	# (the state directory itself is init's, 0700 by uploader.service)
	[ -n "$(find "$T/state" -mindepth 1)" ]
	[ -z "$(find "$T/state" -mindepth 1 -perm /o+rwx)" ]
}

@test "a slow client on the metrics port does not hold up the uploads" {
	up_start
	# one byte every 0.4 s for 12 s, never a whole request
	python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for c in b"GET /metrics HTTP/1.1\r\nHost: x\r\n":
    s.send(bytes([c])); time.sleep(0.4)' "$MPORT" 2> /dev/null 3>&- &
	slow=$!
	sleep 0.5
	spool 1 5
	wait_for 6 spool_empty
	exactly_once 1 5
	[ "$(metric uploader_records_total)" -eq 5 ]
	kill "$slow" 2> /dev/null || true
	wait "$slow" 2> /dev/null || true
}

@test "bad options: exit 2 with the remedy" {
	run "$UPLOADER" --target s3
	assert_failure 2
	assert_output --partial '--target "s3": gcs, put or off'
	run "$UPLOADER" --target put
	assert_failure 2
	assert_output --partial 'needs --put-url'
	run "$UPLOADER" --bundle-max-bytes 10
	assert_failure 2
}
