#!/usr/bin/env bats
# The stand-in for M-Lab's platform APIs (tests/platform/standin.py), tested
# on its own before the platform agent uses it: curl and a python websockets
# client (tests/platform/wsclient.py) against it on 127.0.0.1, proving the
# API's shape (as upstream autojoin, token-exchange and Locate answer), the
# record, and each fault it injects on command.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../platform/lib'

REG='service=ndt&iata=LGA&ipv4=192.0.2.7&ipv6=2001:db8::7&type=physical&uplink=10g&probability=0.5&version=v0.1.0&ports=443&ports=80'
WSC=$BATS_TEST_DIRNAME/../platform/wsclient.py

setup_file() {
	/usr/bin/python3 -c 'import websockets, cryptography' 2> /dev/null ||
		skip "python3-websockets or python3-cryptography missing: run scripts/deps"
	export D=$BATS_FILE_TMPDIR
	make_ca "$D/ca" localhost 127.0.0.1
	make_keys "$D/keys" org1 org2
	key_of "$D/keys" 1 > "$D/key1"
	printf '{"api_key":"%s"}' "$(cat "$D/key1")" > "$D/body1"
	printf '{"api_key":"%s"}' "not-$(cat "$D/key1")" > "$D/badbody"
	standin_start --ws-idle 2
}

teardown_file() {
	standin_stop
}

setup() {
	ctl clear > /dev/null
}

# token: the JWT of key 1 into $D/token.
token() {
	scurl -X POST --data "@$D/body1" "$SURL/v0/token/autojoin" | jq -r .token > "$D/token"
	[ "$(wc -c < "$D/token")" -gt 100 ]
}

# body: what the last call answered.
body() { cat "$D/out"; }

# register [EXTRA_CURL_ARGS...]: POST .../node/register?$REG&api_key=KEY1.
register() {
	scurl -X POST -o "$D/out" -w '%{http_code}' --url-query "api_key@$D/key1" "$@" \
		"$SURL/autojoin/v0/node/register?$REG"
}

@test "token: a good key gets a JWT for autojoin (1 h); a wrong key 401; the key never recorded" {
	run scurl -X POST -o "$D/out" -w '%{http_code}' --data "@$D/body1" "$SURL/v0/token/autojoin"
	assert_success
	assert_output 200
	claims=$(body | jq -r .token | cut -d. -f2 | tr '_-' '/+' | base64 -d 2> /dev/null || true)
	echo "$claims" | jq -e --argjson now "$(date +%s)" '.aud == "autojoin" and .org == "org1" and
		(.exp - $now) > 3500 and (.exp - $now) <= 3600'
	run scurl -X POST -o "$D/out" -w '%{http_code}' --data "@$D/badbody" "$SURL/v0/token/autojoin"
	assert_output 401
	body | grep -qx 'Invalid API key'
	run scurl -o "$D/out" -w '%{http_code}' --data 'not json' "$SURL/v0/token/autojoin"
	assert_output 400
	run grep -c -F -f "$D/key1" "$D/record.jsonl" "$D/standin.log"
	assert_output --partial ':0'
	refute_output --regexp ':[1-9]'
	[ "$(nrec '.endpoint == "token" and .body.api_key == "<redacted>"')" -ge 2 ]
	[ "$(nrec '.endpoint == "token" and .api_key == "unknown" and .status == 401')" -eq 1 ]
	ps -o args= -p "$(cat "$D/standin.pid")" | grep -v -F -f "$D/key1"
}

@test "register: hostname, annotation and heartbeat as upstream builds them; a service-account key; the parameters recorded, the key redacted" {
	ok=$(scount keys_ok)
	run register
	assert_success
	assert_output 200
	r=$(body)
	H=ndt-lga64496-c0000207.org1.sandbox.measurement-lab.org
	echo "$r" | jq -e --arg h "$H" '.Registration.Hostname == $h and
		.Registration.Annotation.Annotation.Site == "lga64496" and
		.Registration.Annotation.Annotation.Machine == "c0000207" and
		.Registration.Annotation.Network.IPv4 == "192.0.2.7/32" and
		.Registration.Annotation.Network.IPv6 == "2001:db8::7/128" and
		.Registration.Heartbeat.Hostname == $h and .Registration.Heartbeat.Metro == "lga" and
		.Registration.Heartbeat.Probability == 0.5 and .Registration.Heartbeat.Uplink == "10g" and
		.Registration.Heartbeat.Type == "physical" and .Registration.Heartbeat.Experiment == "ndt" and
		(.Error == null)'
	echo "$r" | jq -r .Registration.Credentials.ServiceAccountKey | base64 -d > "$D/sa.json"
	jq -e '.type == "service_account" and (.client_email | endswith(".iam.gserviceaccount.com"))' "$D/sa.json"
	jq -r .private_key "$D/sa.json" | openssl pkey -noout
	[ "$(scount keys_ok)" -eq $((ok + 1)) ]
	rec '.endpoint == "register"' | tail -1 | jq -e '.method == "POST" and .status == 200 and
		.api_key == "ok" and .query.api_key == ["<redacted>"] and .query.iata == ["LGA"] and
		.query.ports == ["443", "80"] and .query.version == ["v0.1.0"]'
	run grep -c -F -f "$D/key1" "$D/record.jsonl"
	assert_output 0
}

@test "register: parameters validated as upstream (400 with the upstream Error type; 401 without a key; 500 for an unknown airport)" {
	check() {	# QUERY STATUS ERROR_TYPE
		run scurl -X POST -o "$D/out" -w '%{http_code}' --url-query "api_key@$D/key1" \
			"$SURL/autojoin/v0/node/register?$1"
		assert_output "$2"
		body | jq -e --arg t "$3" '.Error.type == $t and .Registration == null'
	}
	check "iata=lga&ipv4=192.0.2.7&type=physical&uplink=10g" 400 '?service=<service>'
	check "service=ndt&iata=lga&ipv4=2001:db8::1&type=physical&uplink=10g" 400 '?ipv4=<ipv4>'
	check "service=ndt&iata=lga&ipv4=192.0.2.7&type=metal&uplink=10g" 400 '?type=<type>'
	check "service=ndt&iata=lga&ipv4=192.0.2.7&type=physical&uplink=10G" 400 '?uplink=<uplink>'
	check "service=ndt&iata=lgax&ipv4=192.0.2.7&type=physical&uplink=10g" 400 '?iata=<iata>'
	check "service=ndt&iata=xyz&ipv4=192.0.2.7&type=physical&uplink=10g" 500 'iata.find'
	check "service=ndt&iata=lga&ipv4=192.0.2.7&type=physical&uplink=10g&version=1.x" 400 'version.invalid'
	run scurl -X POST -o "$D/out" -w '%{http_code}' "$SURL/autojoin/v0/node/register?$REG"
	assert_output 401
	body | jq -e '.Error.type == "?api_key=<key>"'
}

@test "register/token: the stand-in's JWT registers; none or a forged one is 401" {
	token
	run scurl -X POST -o "$D/out" -w '%{http_code}' "$SURL/autojoin/v0/node/register/token?$REG"
	assert_output 401
	printf 'Authorization: Bearer %s\n' "$(cat "$D/token")" > "$D/auth"
	run scurl -X POST -o "$D/out" -w '%{http_code}' -H "@$D/auth" "$SURL/autojoin/v0/node/register/token?$REG"
	assert_output 200
	body | jq -e '.Registration.Hostname | startswith("ndt-lga64496-c0000207.org1.")'
	# Another signature (the last character changed) is refused.
	t=$(cat "$D/token")
	if [ "${t: -2:1}" = A ]; then t=${t%??}B${t: -1}; else t=${t%??}A${t: -1}; fi
	printf 'Authorization: Bearer %s\n' "$t" > "$D/auth2"
	run scurl -X POST -o "$D/out" -w '%{http_code}' -H "@$D/auth2" "$SURL/autojoin/v0/node/register/token?$REG"
	assert_output 401
	rec '.endpoint == "register-token"' | tail -1 | jq -e '.jwt == "bad signature"'
}

@test "heartbeat: messages recorded in order; silence drops the connection (--ws-idle); no token 401; another org's hostname refused" {
	token
	n0=$(nrec '.kind == "ws-message"')
	H=ndt-lga64496-c0000207.org1.sandbox.measurement-lab.org
	run timeout 20 /usr/bin/python3 "$WSC" "wss://127.0.0.1:$SPORT/v2/platform/heartbeat-jwt" \
		"$D/ca/ca.pem" "$D/token" 6 "{\"Registration\": {\"Hostname\": \"$H\"}}" \
		'{"Health": {"Score": 1}}'
	assert_success
	assert_line --index 0 'sent 2'
	assert_line --index 1 --regexp '^closed '
	rec '.kind == "ws-message"' | tail -n +$((n0 + 1)) > "$D/msgs"
	[ "$(wc -l < "$D/msgs")" -eq 2 ]
	sed -n 1p "$D/msgs" | jq -e --arg h "$H" '.msg.Registration.Hostname == $h'
	sed -n 2p "$D/msgs" | jq -e '.msg.Health.Score == 1'
	rec '.kind == "ws-close"' | tail -1 | jq -e '.reason == "silence"'
	# Closed after about 2 s of silence, not at once and not never.
	t1=$(sed -n 2p "$D/msgs" | jq .t)
	t2=$(rec '.kind == "ws-close"' | tail -1 | jq .t)
	echo "$t1 $t2" | awk '{ d = $2 - $1; exit !(d >= 1.8 && d < 4) }'
	echo nothing > "$D/notoken"
	run timeout 20 /usr/bin/python3 "$WSC" "wss://127.0.0.1:$SPORT/v2/platform/heartbeat-jwt" \
		"$D/ca/ca.pem" "$D/notoken" 1
	assert_output 'status 401'
	run timeout 20 /usr/bin/python3 "$WSC" "wss://127.0.0.1:$SPORT/v2/platform/heartbeat-jwt" \
		"$D/ca/ca.pem" "$D/token" 5 '{"Registration": {"Hostname": "ndt-lga1-c0000207.org2.sandbox.measurement-lab.org"}}'
	assert_line --index 1 --regexp '^closed '
	rec '.kind == "ws-close"' | tail -1 | jq -e '.reason == "organization mismatch"'
}

@test "faults: the next N requests get 500 / 503 / 401, then normal answers again" {
	ctl 'fault?endpoint=register&kind=500&count=2'
	ctl 'fault?endpoint=token&kind=503'
	run register;	assert_output 500
	body | jq -e '.Error.status == 500'
	run register;	assert_output 500
	run register;	assert_output 200
	run scurl -X POST -o "$D/out" -w '%{http_code}' --data "@$D/body1" "$SURL/v0/token/autojoin"
	assert_output 503
	token
	ctl 'fault?endpoint=any&kind=401&count=1'
	run register;	assert_output 401
	run register;	assert_output 200
	[ "$(nrec '.fault == "500"')" -eq 2 ]
}

@test "faults: stall (no answer past the client's timeout) and drop (half a response, then the socket closed)" {
	ctl 'fault?endpoint=register&kind=stall&seconds=5'
	start=$SECONDS
	run register --max-time 2
	assert_failure 28	# curl: operation timed out
	[ $((SECONDS - start)) -lt 5 ]
	ctl 'fault?endpoint=register&kind=drop'
	run register
	assert_failure	# curl 18 (partial file) or 56 (receive error)
	[[ $status == 18 || $status == 56 ]]
	run register
	assert_output 200
}

@test "faults: a revoked key is refused (401) until unrevoked; key 2 still works" {
	ctl 'revoke?line=1'
	for _ in 1 2 3; do
		run register;	assert_output 401
		body | jq -e '.Error.type == "auth.invalid_key"'
	done
	run scurl -X POST -o "$D/out" -w '%{http_code}' --data "@$D/body1" "$SURL/v0/token/autojoin"
	assert_output 401
	key_of "$D/keys" 2 > "$D/key2"
	run scurl -X POST -o "$D/out" -w '%{http_code}' --url-query "api_key@$D/key2" \
		"$SURL/autojoin/v0/node/register?$REG"
	assert_output 200
	body | jq -e '.Registration.Hostname | contains(".org2.")'
	ctl 'unrevoke?line=1'
	run register;	assert_output 200
	[ "$(nrec '.api_key == "revoked"')" -ge 4 ]
	run ctl 'revoke?line=9'
	assert_failure
}

@test "platform down: connections refused; up again on the same port" {
	ctl down
	run register
	assert_failure 7	# curl: failed to connect
	ctl up
	run register
	assert_output 200
}

@test "TLS: only clients trusting the test CA connect" {
	run curl -sS --max-time 5 -X POST "$SURL/v0/token/autojoin"
	assert_failure 60	# curl: peer certificate cannot be authenticated
}
