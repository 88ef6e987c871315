#!/usr/bin/env bats
# The platform's ACME client against Debian's pebble (Let's Encrypt's test
# server): acme-client obtains a certificate for a name through ndt7's
# --acme-challenge-dir (pebble's VA fetches the http-01 token from ndt7's
# ws port), ndt7 picks up cert.pem/key.pem without a restart, and a client
# verifies the wss chain against pebble's root for that name. Names
# resolve through pebble-challtestsrv's mock DNS (every A query:
# 127.0.0.1). Loopback only; a throwaway test CA for pebble's own TLS;
# every process started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../lib/build'
load '../ndt7/assert'
load '../lib/pid'

NAME=node1.example.org

start() {	# NAME COMMAND...: in the background, its pid in $D/NAME.pid
	n=$1
	shift
	"$@" > "$D/$n.log" 2>&1 3>&- &
	echo $! > "$D/$n.pid"
}

wait_for() {	# LOGNAME PATTERN
	for _ in $(seq 100); do
		grep -q "$2" "$D/$1.log" && return 0
		sleep 0.1
	done
	cat "$D/$1.log" >&2
	return 1
}

setup_file() {
	command -v pebble > /dev/null || skip "pebble is not installed (scripts/deps)"
	export D=$BATS_FILE_TMPDIR
	make_targets ndt7 acme-client
	export NDT7=$OUTDIR/build/$BOARD/ndt7-server ACME=$OUTDIR/build/$BOARD/acme-client
	read -r WS WSS DNSMGMT <<< "$(free_ports)"
	read -r ACMEP MGMT DNS <<< "$(free_ports)"
	export WS WSS ACMEP MGMT DNS
	mkdir -p "$D/acme" "$D/tls" "$D/state" "$D/spool" "$D/ca"
	# Pebble's own HTTPS listener: a throwaway CA and a cert for 127.0.0.1.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=fathom test CA" -keyout "$D/ca/ca.key" -out "$D/ca/ca.pem" 2> /dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
		-keyout "$D/ca/pebble.key" -out "$D/ca/pebble.csr" 2> /dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$D/ca/ext"
	openssl x509 -req -in "$D/ca/pebble.csr" -CA "$D/ca/ca.pem" -CAkey "$D/ca/ca.key" \
		-CAcreateserial -days 2 -extfile "$D/ca/ext" -out "$D/ca/pebble.pem" 2> /dev/null
	cat > "$D/pebble.json" <<-EOF
	{"pebble": {"listenAddress": "127.0.0.1:$ACMEP",
	  "managementListenAddress": "127.0.0.1:$MGMT",
	  "certificate": "$D/ca/pebble.pem", "privateKey": "$D/ca/pebble.key",
	  "httpPort": $WS, "tlsPort": $WSS, "ocspResponderURL": "",
	  "externalAccountBindingRequired": false}}
	EOF
	start dns pebble-challtestsrv -dns01 "127.0.0.1:$DNS" -http01 "" -https01 "" \
		-tlsalpn01 "" -management "127.0.0.1:$DNSMGMT" -defaultIPv4 127.0.0.1 \
		-defaultIPv6 ""
	PEBBLE_VA_NOSLEEP=1 PEBBLE_VA_ALWAYS_VALID=0 \
		start pebble pebble -config "$D/pebble.json" -dnsserver "127.0.0.1:$DNS"
	start ndt7 "$NDT7" --listen 127.0.0.1 --ws-port "$WS" --wss-port "$WSS" \
		--health-listen off --workers 2 --state-dir "$D/state" --spool-dir "$D/spool" \
		--www-dir "$D/nowww" --acme-challenge-dir "$D/acme" \
		--cert "$D/tls/cert.pem" --key "$D/tls/key.pem"
	wait_for dns 'Starting management server' && wait_for pebble 'Listening on' &&
		wait_for ndt7 ' ready: '
}

teardown_file() {
	for n in ndt7 pebble dns; do
		pid_stop "$D/$n.pid"
	done
}

acme_client() {
	timeout 120 "$ACME" --directory "https://127.0.0.1:$ACMEP/dir" --ca-file "$D/ca/ca.pem" \
		--domain "$NAME" --challenge-dir "$D/acme" --tls-dir "$D/tls" \
		--account-key "$D/account.pem" "$@"
}

@test "acme-client obtains a certificate through ndt7's challenge directory" {
	run acme_client
	assert_success
	assert_output "acme-client: certificate for $NAME written to $D/tls/cert.pem"
	# pebble's VA fetched the token from ndt7 (and got 200).
	grep -Eq 'acme challenge [A-Za-z0-9_-]+ to 127.0.0.1:[0-9]+: 200' "$D/ndt7.log"
	grep -q 'Issued certificate serial' "$D/pebble.log"
	assert_equal "$(stat -c %a "$D/tls/cert.pem") $(stat -c %a "$D/tls/key.pem")" "644 640"
	assert_equal "$(stat -c %a "$D/account.pem")" 600
	run openssl x509 -in "$D/tls/cert.pem" -noout -ext subjectAltName
	assert_output --partial "DNS:$NAME"
	# The key authorization was removed after the challenge.
	assert_equal "$(ls -A "$D/acme")" ""
	# Fresh: nothing to renew.
	run acme_client --if-needed
	assert_success
	assert_output --partial 'nothing to do'
}

@test "ndt7 serves the issued chain, which verifies against pebble's root for the name" {
	curl -sS --max-time 10 --cacert "$D/ca/ca.pem" "https://127.0.0.1:$MGMT/roots/0" \
		> "$D/root.pem"
	grep -q 'BEGIN CERTIFICATE' "$D/root.pem"
	for _ in $(seq 40); do
		grep -q 'tls: loaded the new certificate' "$D/ndt7.log" && break
		sleep 0.1
	done
	sleep 2.5	# the second worker's check, too
	for _ in 1 2 3 4; do
		run timeout 10 openssl s_client -connect "127.0.0.1:$WSS" -servername "$NAME" \
			-verify_hostname "$NAME" -CAfile "$D/root.pem" -verify_return_error \
			< /dev/null
		assert_success
		assert_output --partial 'Verify return code: 0 (ok)'
	done
	# Another name does not verify.
	run timeout 10 openssl s_client -connect "127.0.0.1:$WSS" -servername "$NAME" \
		-verify_hostname other.example.org -CAfile "$D/root.pem" -verify_return_error \
		< /dev/null
	assert_failure
}

@test "a second run (the same account key) replaces cert.pem and key.pem with a matching pair" {
	before=$(openssl x509 -in "$D/tls/cert.pem" -noout -fingerprint -sha256)
	run acme_client
	assert_success
	after=$(openssl x509 -in "$D/tls/cert.pem" -noout -fingerprint -sha256)
	[[ $before != "$after" ]]
	openssl x509 -in "$D/tls/cert.pem" -noout -pubkey > "$D/pub1"
	openssl pkey -in "$D/tls/key.pem" -pubout > "$D/pub2"
	cmp "$D/pub1" "$D/pub2"
}

@test "failures name the step: no ACME server, a wrong CA" {
	run timeout 60 "$ACME" --directory "https://127.0.0.1:$WSS/dir" --ca-file "$D/ca/ca.pem" \
		--domain "$NAME" --challenge-dir "$D/acme" --tls-dir "$D/tls" \
		--account-key "$D/account.pem"
	assert_failure 1
	assert_output --partial "acme-client: ACME directory https://127.0.0.1:$WSS/dir:"
	run timeout 60 "$ACME" --directory "https://127.0.0.1:$ACMEP/dir" --ca-file "$D/root.pem" \
		--domain "$NAME" --challenge-dir "$D/acme" --tls-dir "$D/tls" \
		--account-key "$D/account.pem"
	assert_failure 1
	assert_output --partial 'acme-client: ACME directory'
	assert_output --partial 'verif'
}
