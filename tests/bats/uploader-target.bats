#!/usr/bin/env bats
# The uploader's transports (services/uploader/target.h: GCS JSON API media
# upload with a service account's OAuth token, HTTPS PUT) on the wire, through
# the test driver tests/uploader/upload-one.c, against the stand-in for
# Google's token endpoint and GCS (tests/uploader/standin_gcs.py) on
# 127.0.0.1 with a throwaway CA and account key made here: what is stored,
# what the driver reports for every fault the stand-in injects, what the
# stand-in received. Every process started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../lib/build'
load '../uploader/lib'
load '../ndt7/assert'

OBJ=autoload/v2/org1/ndt/ndt7/2026/12/07/20261207T101500.000000Z-ndt7-mlab1-lga0t-ndt-data.jsonl.gz

setup_file() {
	/usr/bin/python3 -c 'import cryptography' 2> /dev/null ||
		skip "python3-cryptography missing: run scripts/deps"
	export D=$BATS_FILE_TMPDIR
	make_targets upload-one
	# UPLOAD_ONE: another build of the driver (e.g. with ASan) instead.
	export UP=${UPLOAD_ONE:-$OUTDIR/build/host/upload-one}
	make_ca "$D/ca" localhost 127.0.0.1
	make_sa "$D/sa.json"
	make_sa "$D/other-sa.json"
	(umask 077; head -c 24 /dev/urandom | base64 | tr '+/' '-_' > "$D/put-token")
	(umask 077; echo "not-$(cat "$D/put-token")" > "$D/wrong-token")
	head -c 300000 /dev/urandom > "$D/bundle"
	gcs_start
}

teardown_file() {
	gcs_stop
}

setup() {
	gctl clear > /dev/null
}

# gcs [ARGS...]: one upload of $D/bundle as $OBJ to bucket archive-test.
gcs() {
	"$UP" --target gcs --bucket archive-test --service-account-file "$D/sa.json" \
		--token-url "$GURL/token" --gcs-endpoint "$GURL" --ca-file "$D/ca/ca.pem" \
		--timeout-ms 3000 "$@" "$OBJ" "$D/bundle"
}

# put [ARGS...]: one PUT of $D/bundle as $OBJ.
put() {
	"$UP" --target put --put-url "$GURL/put/{object}" --put-token-file "$D/put-token" \
		--ca-file "$D/ca/ca.pem" --timeout-ms 3000 "$@" "$OBJ" "$D/bundle"
}

# fault ENDPOINT KIND [COUNT]: the next COUNT (1) requests to ENDPOINT fail.
fault() { gctl "fault?endpoint=$1&kind=$2&count=${3:-1}&seconds=6" > /dev/null; }

# b64u: stdin as base64url without padding.
b64u() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# grant CLAIMS [ALG]: POST /token with an assertion of CLAIMS (JSON) signed
# with the account's key; prints the HTTP status, then the answer.
grant() {
	local h c sig
	h=$(printf '{"alg":"%s","typ":"JWT"}' "${2:-RS256}" | b64u)
	c=$(printf '%s' "$1" | b64u)
	sig=$(printf '%s.%s' "$h" "$c" | openssl dgst -sha256 -sign "$D/sa.pem" -binary | b64u)
	curl -sS --max-time 10 --cacert "$D/ca/ca.pem" -w '%{http_code}\n' -o "$D/answer" \
		--data-urlencode "grant_type=${GRANT_TYPE:-urn:ietf:params:oauth:grant-type:jwt-bearer}" \
		--data-urlencode "assertion=$h.$c.$sig" "$GURL/token"
	cat "$D/answer"
}

@test "stand-in: grants a token only for an assertion Google would take; uploads only with it" {
	(umask 077; jq -r .private_key "$D/sa.json" > "$D/sa.pem")
	now=$(date +%s)
	iss=autonode-org1@mlab-sandbox.iam.gserviceaccount.com
	scope=https://www.googleapis.com/auth/devstorage.read_write
	claims() { # ISS AUD SCOPE IAT EXP
		printf '{"iss":"%s","aud":"%s","scope":"%s","iat":%s,"exp":%s}' "$@"
	}
	run grant "$(claims "$iss" "$GURL/token" "$scope" "$now" $((now + 3600)))"
	assert_success
	assert_line --index 0 200
	tok=$(jq -r .access_token "$D/answer")
	[[ $tok == ya29.* ]]
	jq -e '.token_type == "Bearer" and .expires_in == 3600' "$D/answer"
	for c in "other@x|$GURL/token|$scope|$now|$((now + 3600))|iss is not" \
		"$iss|https://oauth2.googleapis.com/token|$scope|$now|$((now + 3600))|aud is not" \
		"$iss|$GURL/token|${scope%_write}_only|$now|$((now + 3600))|scope lacks" \
		"$iss|$GURL/token|$scope|$((now - 7200))|$((now - 3600))|out of range" \
		"$iss|$GURL/token|$scope|$now|$((now + 7200))|out of range"; do
		IFS='|' read -r ci ca cs ct ce cw <<< "$c"
		run grant "$(claims "$ci" "$ca" "$cs" "$ct" "$ce")"
		echo "$c: $output"
		assert_line --index 0 400
		jq -e --arg w "$cw" '.error == "invalid_grant" and (.error_description | contains($w))' \
			"$D/answer"
	done
	run grant "$(claims "$iss" "$GURL/token" "$scope" "$now" $((now + 3600)))" HS256
	assert_line --index 0 400
	GRANT_TYPE=client_credentials run grant "$(claims "$iss" "$GURL/token" "$scope" "$now" $((now + 3600)))"
	assert_line --index 0 400
	jq -e '.error == "unsupported_grant_type"' "$D/answer"
	up() { curl -sS --max-time 10 --cacert "$D/ca/ca.pem" -o /dev/null -w '%{http_code}' \
		--data-binary @"$D/bundle" "$@"; }
	run up "$GURL/upload/storage/v1/b/archive-test/o?uploadType=media&name=x"
	assert_output 401
	run up -H "Authorization: Bearer ya29.made-up" "$GURL/upload/storage/v1/b/archive-test/o?uploadType=media&name=x"
	assert_output 401
	run up -H "Authorization: Bearer $tok" "$GURL/upload/storage/v1/b/archive-test/o?uploadType=media&name=a/../x"
	assert_output 400
	run up -H "Authorization: Bearer $tok" "$GURL/upload/storage/v1/b/archive-test/o?uploadType=multipart&name=x"
	assert_output 400
	run up -H "Authorization: Bearer $tok" "$GURL/upload/storage/v1/b/archive-test/o?uploadType=media&name=y"
	assert_output 200
	cmp "$D/bundle" "$D/store/gcs/archive-test/y"
	run up -X PUT "$GURL/put/x"
	assert_output 401
	rm -f "$D/sa.pem"
}

@test "PUT: the bundle stored byte for byte under the object's name, with the bearer token" {
	rm -rf "$D/store/put"
	run put
	assert_success
	assert_output --regexp '^ok ok: PUT .*: HTTP 201, 300000 bytes stored'
	cmp "$D/bundle" "$D/store/put/$OBJ"
	rec '.endpoint == "put"' | tail -1 | jq -e '.status == 201 and .bearer and .method == "PUT"'
}

@test "PUT: a wrong token is auth; no token at all is auth; a missing token file fails to open" {
	run put --put-token-file "$D/wrong-token"
	assert_failure 2
	assert_output --partial 'auth auth: PUT: HTTP 401: credentials refused'
	run "$UP" --target put --put-url "$GURL/put/{object}" --ca-file "$D/ca/ca.pem" "$OBJ" \
		"$D/bundle"
	assert_failure 2
	run put --put-token-file "$D/nonexistent"
	assert_failure 4
	assert_output --partial "token file $D/nonexistent: No such file or directory"
	run put --put-url "$GURL/put/"
	assert_failure 4
	assert_output --partial '"{object}" exactly once'
	run put --put-url "http://127.0.0.1:$GPORT/put/{object}"
	assert_failure 4
	assert_output --partial 'https:// required'
}

@test "PUT: each fault has its outcome (5xx, 429 retry; 400 fatal; 401, 403 auth; reset, stall retry); then it works" {
	for k in 500:1:http_5xx 503:1:http_5xx 429:1:http_429 400:3:http_4xx 401:2:auth \
		403:2:auth reset:1:reset stall:1:timeout; do
		fault put "${k%%:*}"
		run put
		echo "$k: $output"
		[ "$status" -eq "$(echo "$k" | cut -d: -f2)" ]
		[[ $output == *" ${k##*:}: "* ]]
	done
	rec '.endpoint == "put" and .fault == "stall"' | grep -q .
	run put
	assert_success
}

@test "PUT: a stall ends at the timeout, not the stand-in's 6 s" {
	fault put stall
	start=$SECONDS
	run put --timeout-ms 1500
	assert_failure 1
	assert_output --regexp '^retry timeout: PUT: timeout after 1500 ms'
	[ $((SECONDS - start)) -le 4 ]
}

@test "GCS: one token (JWT-bearer, RS256 checked), the object stored byte for byte, checksums match" {
	rm -rf "$D/store/gcs"
	t0=$(gcount requests.token)
	run gcs --repeat 3
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	for l in "${lines[@]}"; do [[ $l == "ok ok: GCS upload of $OBJ: 300000 bytes, checksum matches"* ]]; done
	cmp "$D/bundle" "$D/store/gcs/archive-test/$OBJ"
	# One token for the three uploads (cached), with the claims Google wants.
	[ "$(gcount requests.token)" -eq $((t0 + 1)) ]
	rec '.endpoint == "token"' | tail -1 | jq -e --arg aud "$GURL/token" '.status == 200 and
		.assertion == "ok" and .claims.iss == "autonode-org1@mlab-sandbox.iam.gserviceaccount.com"
		and .claims.aud == $aud and .claims.scope == "https://www.googleapis.com/auth/devstorage.read_write"
		and .claims.exp - .claims.iat == 3600 and .grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer"'
	rec '.endpoint == "upload"' | tail -1 | jq -e --arg o "$OBJ" '.status == 200 and
		.path == "/upload/storage/v1/b/archive-test/o" and .query.uploadType == ["media"] and
		.query.name == [$o] and .bytes == 300000'
}

@test "GCS: a key the account does not have is auth (invalid_grant), and the stand-in saw a bad signature" {
	run gcs --service-account-file "$D/other-sa.json"
	assert_failure 2
	assert_output --partial 'auth auth: token request: HTTP 400: the service-account key is refused'
	assert_output --partial '(server: invalid_grant: bad signature)'
	rec '.endpoint == "token"' | tail -1 | jq -e '.assertion == "bad signature"'
	run gcs --service-account-file "$D/nonexistent.json"
	assert_failure 4
	assert_output --partial "service-account key $D/nonexistent.json: No such file or directory"
	run gcs --bucket 'a/b'
	assert_failure 4
	assert_output --partial 'bucket "a/b"'
}

@test "GCS: a 401 (token expired) refreshes the token once and succeeds; 401 every time is auth" {
	fault upload 401
	t0=$(gcount requests.token)
	run gcs
	assert_success
	[ "$(gcount requests.token)" -eq $((t0 + 2)) ]
	rec '.endpoint == "upload"' | tail -2 | jq -se '.[0].fault == "401" and .[1].status == 200'
	# A cached token the server expires between two uploads: refused, a new one, stored.
	t0=$(gcount requests.token) u0=$(gcount requests.upload)
	(sleep 0.7; gctl expire > /dev/null) 3>&- &
	run gcs --repeat 2 --pause-ms 1500
	wait
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[ "$(gcount requests.token)" -eq $((t0 + 2)) ]
	[ "$(gcount requests.upload)" -eq $((u0 + 3)) ]
	rec '.endpoint == "upload"' | tail -2 | jq -se '.[0].token == "expired" and .[1].status == 200'
	# The upload after the refresh has what is left of the one timeout.
	gctl "fault?endpoint=upload&kind=401&delay=1" > /dev/null
	fault upload stall
	run gcs --timeout-ms 2000
	assert_failure 1
	assert_output --regexp '^retry timeout: GCS upload: timeout after [0-9]+ ms'
	ms=$(echo "$output" | sed -E 's/.*\(([0-9]+) ms\)$/\1/')
	[ "$ms" -ge 1900 ] && [ "$ms" -le 2600 ]
	gctl clear > /dev/null
	fault upload 401 0
	u0=$(gcount requests.upload)
	run gcs
	assert_failure 2
	assert_output --partial 'auth auth: GCS upload: HTTP 401 even with a fresh token'
	[ "$(gcount requests.upload)" -eq $((u0 + 2)) ]
}

@test "GCS: every upload fault has its outcome, and the next upload works" {
	for k in 500:1:http_5xx 503:1:http_5xx 429:1:http_429 400:3:http_4xx 403:2:auth \
		reset:1:reset stall:1:timeout checksum:1:checksum; do
		fault upload "${k%%:*}"
		run gcs
		echo "$k: $output"
		[ "$status" -eq "$(echo "$k" | cut -d: -f2)" ]
		[[ $output == *" ${k##*:}: "* ]]
	done
	run gcs
	assert_success
}

@test "both: a server the CA does not vouch for is retry tls; nothing listening is retry connect" {
	make_ca "$D/other" localhost 127.0.0.1
	run put --ca-file "$D/other/ca.pem"
	assert_failure 1
	assert_output --regexp '^retry tls: PUT: TLS: certificate verify failed'
	run gcs --ca-file "$D/other/ca.pem"
	assert_failure 1
	assert_output --regexp '^retry tls: token request: TLS: certificate verify failed'
	read -r port _ < <(free_ports)
	run put --put-url "https://127.0.0.1:$port/put/{object}"
	assert_failure 1
	assert_output --regexp "^retry connect: PUT: connect 127.0.0.1:$port: Connection refused"
	run gcs --token-url "https://127.0.0.1:$port/token"
	assert_failure 1
	assert_output --partial 'retry connect: token request: connect'
}

@test "GCS: a wrong checksum in the answer is retried with reason checksum; a refusal says what the server said" {
	fault upload checksum
	run gcs
	assert_failure 1
	assert_output --partial "retry checksum: GCS upload of $OBJ: crc32c differs from ours"
	rec '.endpoint == "upload" and .fault == "checksum"' | grep -q .
	fault upload 403
	run gcs
	assert_failure 2
	assert_output --partial 'on the bucket (server: injected by the stand-in)'
}

@test "GCS: token endpoint faults: 5xx and 429 retry, reset and stall retry, 400, 401 and 403 auth" {
	for k in 500:1:http_5xx 503:1:http_5xx 429:1:http_429 reset:1:reset stall:1:timeout \
		400:2:auth 401:2:auth 403:2:auth; do
		gctl expire > /dev/null
		fault token "${k%%:*}"
		run gcs
		echo "$k: $output"
		[ "$status" -eq "$(echo "$k" | cut -d: -f2)" ]
		[[ $output == *" ${k##*:}: "* ]]
	done
	run gcs
	assert_success
}

@test "both: the key and the token file are read again (a rotated credential is used without a restart)" {
	cp "$D/sa.json" "$D/sa.keep"
	cp "$D/put-token" "$D/put-token.keep"
	# GCS: the key replaced and the cached token expired between two uploads.
	(sleep 0.5; cp "$D/other-sa.json" "$D/sa.json"; gctl expire > /dev/null) 3>&- &
	run gcs --repeat 2 --pause-ms 1500
	wait
	cp "$D/sa.keep" "$D/sa.json"
	assert_failure 2
	assert_line --index 0 --regexp '^ok ok: '
	assert_line --index 1 --partial 'auth auth: token request: HTTP 400'
	rec '.endpoint == "token"' | tail -1 | jq -e '.assertion == "bad signature"'
	# PUT: the token file rewritten between two uploads.
	(sleep 0.5; cp "$D/wrong-token" "$D/put-token") 3>&- &
	run put --repeat 2 --pause-ms 1500
	wait
	cp "$D/put-token.keep" "$D/put-token"
	assert_failure 2
	assert_line --index 0 --regexp '^ok ok: '
	assert_line --index 1 --partial 'auth auth: PUT: HTTP 401'
	run gcs
	assert_success
}

@test "secrets: neither the key, the tokens nor the assertion in the driver's output or the record" {
	run gcs
	run put
	out=$output
	key=$(jq -r .private_key "$D/sa.json" | sed -n 2p)
	[ ${#key} -ge 60 ]
	[ "$(grep -cF "$key" "$D/record.jsonl")" -eq 0 ]
	[ "$(grep -cF "$(cat "$D/put-token")" "$D/record.jsonl")" -eq 0 ]
	[ "$(grep -c 'ya29\.' "$D/record.jsonl")" -eq 0 ]
	[ "$(grep -c '"assertion": "ok"' "$D/record.jsonl")" -ge 1 ]
	[[ $out != *ya29* && $out != *"$(cat "$D/put-token")"* ]]
	[ "$(stat -c %a "$D/record.jsonl")" = 600 ]
}

@test "GCS: a token is reused until 60 s before it expires, never after" {
	gcs_stop
	# expires_in 30: inside the margin, used once.
	gcs_start --token-lifetime 30
	run gcs --repeat 2
	assert_success
	[ "$(gcount requests.token)" -eq 2 ]
	gcs_stop
	# expires_in 61: reusable for 1 s, then a new one.
	gcs_start --token-lifetime 61
	run gcs --repeat 3 --pause-ms 600
	assert_success
	[ "$(gcount requests.token)" -eq 2 ]
	gcs_stop
	gcs_start
}
