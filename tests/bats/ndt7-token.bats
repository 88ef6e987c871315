#!/usr/bin/env bats
# ndt7 access tokens (services/ndt7/token.c) on the wire: the real server on
# loopback, throwaway keys and tokens made by an independent implementation
# (tests/ndt7/mint-token.py: Debian's python3-jwt), M-Lab's own JS client
# for complete tests. Every process started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../ndt7/assert'
load '../ndt7/server'

M=mlab1-tok01.example.org	# the machine name tokens are for

mint() {
	"$MINT" "$@"
}

setup_file() {
	ndt7_setup_file ndt7
	export CLIENT="$TOP/tests/ndt7/client.js" RAW="$TOP/tests/ndt7/raw.js"
	export PRELOAD="$TOP/tests/ndt7/ws-global.js" MINT="$TOP/tests/ndt7/mint-token.py"
	export K=$D/keys
	mkdir -p "$K" "$D/spool" "$D/spool2" "$D/spool3" "$D/other"
	mint keygen EdDSA locate_old "$K"
	mint keygen EdDSA locate_new "$K"
	mint keygen ES256 ec1 "$K"
	mint keygen RS256 rs1 "$K"
	mint keygen EdDSA locate_new "$D/other"	# same kid, another key
	for _ in 1 2 3; do
		read -r P P2 P3 <<-EOF
		$(free_ports)
		EOF
		start_server main --ws-port "$P" --wss-port 0 --listen 127.0.0.1 \
			--spool-dir "$D/spool" --workers 2 --token-machine "$M" \
			--token-verify-key "$K/locate_old.jwk" --token-verify-key "$K/locate_new.jwk" \
			--token-verify-key "$K/ec1.jwk" --token-verify-key "$K/rs1.jwk" && break
		stop_server main
	done
	export P P2 P3
	[ -e "$D/main.pid" ]
}

teardown_file() {
	stop_server main
	stop_server open
	stop_server limit
	[ -z "${BG:-}" ] || kill "$BG" 2> /dev/null || true
}

ndt7_client() {
	timeout 60 node -r "$PRELOAD" "$CLIENT" "$@"
}

# status PORT [TOKEN]: the HTTP status of a download upgrade with it.
status() {
	q="client_name=bats"
	[ $# -lt 2 ] || q="$q&access_token=$2"
	timeout 10 node "$RAW" status 127.0.0.1 "$1" "/ndt/v7/download?$q" | jq -r .status
}

@test "valid EdDSA, ES256 and RS256 tokens: M-Lab's client completes its tests" {
	grep -q "access tokens: 4 verify key(s), audience $M, required" "$D/main.log"
	NDT7_ACCESS_TOKEN=$(mint sign "$K/locate_new.pem" --aud "$M") run ndt7_client "127.0.0.1:$P" ws both
	assert_success
	ndt7_test_ok download BytesAcked
	ndt7_test_ok upload BytesReceived
	echo "$output" > "$D/eddsa.out"
	NDT7_ACCESS_TOKEN=$(mint sign "$K/ec1.pem" --aud other --aud "$M") \
		run ndt7_client "127.0.0.1:$P" ws download
	assert_success
	ndt7_test_ok download BytesAcked
	NDT7_ACCESS_TOKEN=$(mint sign "$K/rs1.pem" --aud "$M" --aud-list) \
		run ndt7_client "127.0.0.1:$P" ws upload
	assert_success
	ndt7_test_ok upload BytesReceived
}

@test "the access token is not in the stored record; the other parameters are" {
	[ -e "$D/eddsa.out" ] || skip "needs the test above"
	uuid=$(jq -r .download.firstServer.ConnectionInfo.UUID "$D/eddsa.out")
	f=$(ls "$D/spool"/ndt7/*/*/*/ndt7-download-*."$uuid".json)
	jq -e '(.Download.ClientMetadata | map(.Name) | index("client_name")) != null and
		(.Download.ClientMetadata | map(.Name) | index("access_token")) == null' "$f"
	run sh -c 'find "$1" -name "*.json" | grep -q . && find "$1" -name "*.json" -exec cat {} + |
		grep -c -e access_token -e eyJ' _ "$D/spool"
	assert_output 0
}

@test "refused with 401: none, HS256, mismatched alg, unknown kid, wrong key, iss, aud, expired, nbf, garbage" {
	new=$K/locate_new.pem
	check() {	# check REASON TOKEN
		s=$(status "$P" "$2")
		[ "$s" = 401 ] || { echo "$1: status $s" >&2; return 1; }
		grep -q "refused: 401 access token refused ($1)" "$D/main.log" ||
			{ echo "$1: not in the log" >&2; tail -3 "$D/main.log" >&2; return 1; }
		! grep -qF "$2" "$D/main.log" || { echo "$1: the token is in the log" >&2; return 1; }
	}
	check algorithm "$(mint sign "$new" --aud "$M" --alg none)"
	check algorithm "$(mint sign "$new" --aud "$M" --alg HS256)"
	check algorithm "$(mint sign "$new" --aud "$M" --alg ES256)"
	check unknown-key "$(mint sign "$new" --aud "$M" --kid locate_2099)"
	check signature "$(mint sign "$D/other/locate_new.pem" --aud "$M")"
	check issuer "$(mint sign "$new" --aud "$M" --iss someone)"
	check audience "$(mint sign "$new" --aud mlab2-tok01.example.org)"
	check expired "$(mint sign "$new" --aud "$M" --exp -5)"
	check expired "$(mint sign "$new" --aud "$M" --no-exp)"
	check not-yet-valid "$(mint sign "$new" --aud "$M" --nbf 300)"
	check malformed "garbage"
	check malformed "$(head -c 3000 /dev/zero | tr '\0' A).e30.AAAA"
	# Over the query's 4096 bytes: refused before any token check.
	[ "$(status "$P" "$(head -c 9000 /dev/zero | tr '\0' A)")" = 400 ]
}

@test "missing: 401 where required; rotation: old and new key both accepted" {
	[ "$(status "$P")" = 401 ]
	grep -q "refused: 401 access token required (missing" "$D/main.log"
	[ "$(status "$P" "$(mint sign "$K/locate_old.pem" --aud "$M")")" = 101 ]
	[ "$(status "$P" "$(mint sign "$K/locate_new.pem" --aud "$M")")" = 101 ]
	[ "$(status "$P" "$(mint sign "$K/locate_new.pem" --aud "$M" --no-kid)")" = 101 ]
}

@test "no key: no token needed; --token-required no: missing accepted, invalid still refused" {
	start_server open --ws-port "$P2" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool2" \
		--workers 1
	grep -q "access tokens: 0 verify key(s), audience .*, not required" "$D/open.log"
	run ndt7_client "127.0.0.1:$P2" ws download
	assert_success
	ndt7_test_ok download BytesAcked
	stop_server open
	# The key as base64url JSON, as on the kernel command line.
	b64=$(basenc --base64url -w0 < "$K/ec1.jwk" | tr -d =)
	start_server open --ws-port "$P2" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool2" \
		--workers 1 --token-verify-key "$b64" --token-required no --token-machine "$M"
	[ "$(status "$P2")" = 101 ]
	[ "$(status "$P2" "$(mint sign "$K/ec1.pem" --aud "$M")")" = 101 ]
	[ "$(status "$P2" "$(mint sign "$K/ec1.pem" --aud "$M" --exp -1)")" = 401 ]
	stop_server open
}

@test "monitoring token bypasses --max-tests-per-addr 1; a normal one gets 503" {
	printf '{"keys":[%s,%s]}' "$(cat "$K/locate_old.jwk")" "$(cat "$K/locate_new.jwk")" > "$K/set.jwks"
	start_server limit --ws-port "$P3" --wss-port 0 --listen 127.0.0.1 --spool-dir "$D/spool3" \
		--workers 2 --max-tests-per-addr 1 --token-verify-key "$K/set.jwks" --token-machine "$M"
	NDT7_ACCESS_TOKEN=$(mint sign "$K/locate_new.pem" --aud "$M") ndt7_client "127.0.0.1:$P3" ws download \
		> "$D/hold.out" &
	BG=$!
	for _ in $(seq 50); do grep -q 'download .* from 127.0.0.1' "$D/limit.log" && break; sleep 0.1; done
	sleep 1
	[ "$(status "$P3" "$(mint sign "$K/locate_old.pem" --aud "$M")")" = 503 ]
	NDT7_ACCESS_TOKEN=$(mint sign "$K/locate_old.pem" --aud "$M" --sub monitoring) \
		run ndt7_client "127.0.0.1:$P3" ws download
	assert_success
	ndt7_test_ok download BytesAcked
	grep -q "download .* completed after .*, monitoring" "$D/limit.log"
	wait "$BG"
	BG=
	output=$(cat "$D/hold.out") ndt7_test_ok download BytesAcked
	stop_server limit
}

@test "startup: a bad key file or value is a clear error naming it" {
	echo '{"kty":"OKP","crv":"Ed25519","x":"AAAA"}' > "$D/bad.jwk"
	run "$NDT7" --ws-port 0 --wss-port 1 --token-verify-key "$D/bad.jwk"
	assert_equal "$status" 2
	assert_output --partial -- "--token-verify-key $D/bad.jwk: key 1: \"x\" must be 32 bytes"
	run "$NDT7" --ws-port 0 --wss-port 1 --token-verify-key "$D/missing.jwk"
	assert_equal "$status" 2
	assert_output --partial "$D/missing.jwk: cannot open: No such file or directory"
	run "$NDT7" --ws-port 0 --wss-port 1 --token-verify-key "$K/locate_new.pem"
	assert_equal "$status" 2
	assert_output --partial "$K/locate_new.pem: not valid JSON"
	run "$NDT7" --ws-port 0 --wss-port 1 --token-verify-key "$K/locate_new.jwk" \
		--token-verify-key "$D/other/locate_new.jwk"
	assert_output --partial 'kid "locate_new" is given twice'
	run "$NDT7" --ws-port 0 --wss-port 1 --token-required yes
	assert_output --partial -- "--token-required yes needs a --token-verify-key"
	run "$NDT7" --ws-port 0 --wss-port 1 --token-verify-key "$TOP/services/ndt7/mlab-locate.jwk" \
		--token-required maybe
	assert_output --partial '--token-required "maybe": expected yes or no'
}
