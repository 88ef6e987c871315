#!/usr/bin/env bats
# The booted appliance's uploader: the stand-in for Google's token endpoint
# and GCS (tests/uploader/standin_gcs.py, TLS with a throwaway CA, in the
# test namespace on 192.0.2.1); the machine registered (the overlay holds
# the agent's registration.json and a throwaway service-account key, as the
# agent writes them: 0640, user and group platform) and its upload.*
# settings in the overlay's network.conf. M-Lab's ndt7 client runs tests
# from the namespace; their records arrive in the stand-in's bucket under
# the autoload path, gzip JSON Lines, one line per test, and leave the
# machine's spool. One VM for the file.

load lib
load '../uploader/lib'
load '../ndt7/assert'

CONSOLE_PORT=4561
H=ndt-lga64496-c000020a.org1.sandbox.measurement-lab.org
# The node part of the object names, as jostler derives it: MACHINE-SITE.
N=c000020a-lga64496

# Run by vm_boot once the namespace exists: the stand-in in it, and the
# overlay with the registration, the key, the CA and the settings.
gcs_and_overlay() {
	rm -f "$D/gcs.ready"
	ip netns exec "$NS" /usr/bin/python3 "$GCS_STANDIN" --listen 192.0.2.1:0 \
		--cert "$D/ca/server.pem" --key "$D/ca/server.key" --service-account "$D/sa.json" \
		--store "$D/store" --record "$D/record.jsonl" --ready-file "$D/gcs.ready" \
		> "$D/gcs.log" 2>&1 3>&- &
	echo $! > "$D/gcs.pid"
	for _ in $(seq 100); do
		[ -s "$D/gcs.ready" ] && break
		sleep 0.1
	done
	read -r GPORT GCPORT < "$D/gcs.ready" || { cat "$D/gcs.log" >&2; return 1; }
	export GPORT GCPORT
	local o=$D/overlay
	mkdir -p "$o"
	echo "{\"Hostname\":\"$H\",\"Heartbeat\":{},\"Annotation\":null}" > "$o/registration.json"
	printf '%s\n' "upload.gcs-endpoint=https://192.0.2.1:$GPORT" \
		"upload.token-url=https://192.0.2.1:$GPORT/token" \
		"upload.ca-file=/etc/fathom/gcs-test-ca.pem" "upload.bundle-max-age=5" \
		"upload.metrics-listen=192.0.2.10:9991" > "$o/network.conf"
	printf '%s\n' "dir /etc 0755 0 0" "dir /etc/fathom 0755 0 0" \
		"file /etc/fathom/network.conf $o/network.conf 0644 0 0" \
		"file /etc/fathom/gcs-test-ca.pem $D/ca/ca.pem 0644 0 0" \
		"dir /var 0755 0 0" "dir /var/lib 0755 0 0" "dir /var/lib/platform 0750 102 102" \
		"file /var/lib/platform/registration.json $o/registration.json 0640 102 102" \
		"file /var/lib/platform/service-account.json $D/sa.json 0640 102 102" \
		> "$o/manifest"
	"$OUTDIR/build/host/mkcpio" -o "$o/overlay.cpio" "$o/manifest" || return 1
	initrd_concat "$o/initrd" "$OUTDIR/$BOARD/initramfs.cpio.zst" "$o/overlay.cpio"
	export VM_INITRD=$o/initrd
}

setup_file() {
	export D=$BATS_FILE_TMPDIR
	/usr/bin/python3 -c 'import cryptography' 2> /dev/null ||
		skip "python3-cryptography missing: run scripts/deps"
	make_ca "$D/ca" 192.0.2.1 || return 1
	make_sa "$D/sa.json"
	export VM_CONSOLE_PORT=$CONSOLE_PORT VM_BEFORE_BOOT=gcs_and_overlay
	vm_boot uploader console=ttyS0,115200 fathom.shell \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1
	NODE_PATH=$("$TOP/tests/ndt7/install-client") || { vm_destroy; return 1; }
	export NODE_PATH
	export CLIENT=$TOP/tests/ndt7/client.js PRELOAD=$TOP/tests/ndt7/ws-global.js
	wait_for_ping 192.0.2.10 || true
	wait_until 60 grep -q "ndt7: .* ready: " "$CONSOLE" || true
}

teardown_file() {
	local pid
	pid=$(cat "$D/gcs.pid" 2> /dev/null) && kill "$pid" 2> /dev/null
	vm_destroy
}

@test "the uploader starts with the registration's names and the settings" {
	wait_until 60 grep -q "uploader: uploading /var/spool/ndt7 records to gs://archive-mlab-sandbox/autoload/v2/org1/... as node $N" "$CONSOLE"
	run tr -d '\r' < "$CONSOLE"
	refute_output --partial "service uploader: exited"
}

@test "an ndt7 test's records arrive in the bucket: autoload path, gzip JSONL, one line per test" {
	run in_ns timeout 90 node -r "$PRELOAD" "$CLIENT" 192.0.2.10:80 ws both
	assert_success
	ndt7_test_ok download BytesAcked
	down=$(echo "$output" | jq -r '.download.firstServer.ConnectionInfo.UUID // empty' | head -1)
	dir=$D/store/gcs/archive-mlab-sandbox/autoload/v2/org1/ndt/ndt7
	wait_until 60 bash -c "find '$dir' -name '*-ndt7-$N-ndt-data.jsonl.gz' | grep -q ."
	sleep 6	# the upload test's record may come in a second bundle
	run bash -c "find '$dir' -name '*.jsonl.gz' -print0 | xargs -0 zcat"
	[ "$(echo "$output" | wc -l)" -eq 2 ]
	# each line a record in jostler's standard columns, its test's UUID under Raw
	echo "$output" | jq -e -s 'map(select((.Raw.Download.UUID // .Raw.Upload.UUID | type) == "string"
		and (.Archiver.ArchiveURL | startswith("gs://archive-mlab-sandbox/autoload/v2/org1/ndt/ndt7/"))
		and (.Archiver.Filename | startswith("/var/spool/ndt7/ndt7/"))
		and (.Date | test("^20[0-9]{2}-[0-9]{2}-[0-9]{2}$")))) | length == 2'
	[ -z "$down" ] || echo "$output" | jq -e -s --arg u "$down" 'map(.Raw.Download.UUID) | index($u) != null'
	find "$dir" -name '*.jsonl.gz' | grep -Eq "/20[0-9]{2}/[0-9]{2}/[0-9]{2}/[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-ndt7-$N-ndt-data\.jsonl\.gz$"
}

@test "the spool is emptied; fathom-status and the metrics say what was sent" {
	vm_shell "find /var/spool/ndt7 -name '*.json' | wc -l; fathom-status"
	assert_line --regexp '^0$'
	assert_line --regexp '^uploader: [1-9][0-9]* bundles? sent, last [0-9:]+Z, queue 0 records'
	run in_ns curl -sS --max-time 10 http://192.0.2.10:9991/metrics
	assert_line 'uploader_records_total 2'
}
