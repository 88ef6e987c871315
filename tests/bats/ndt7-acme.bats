#!/usr/bin/env bats
# ndt7-server's side of ACME and of joining the platform: HTTP-01
# challenge files served from --acme-challenge-dir on the ws port only,
# --cert/--key picked up when they appear and when they change (the
# certificate a client sees changes without a restart), and the token
# audience re-read from --token-machine-file. Loopback only; every process
# started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../lib/build'
load '../ndt7/assert'
load '../lib/pid'

setup_file() {
	export D=$BATS_FILE_TMPDIR
	make_targets ndt7
	export NDT7=$OUTDIR/build/$BOARD/ndt7-server
	read -r WS WSS HEALTH <<< "$(free_ports)"
	export WS WSS HEALTH
	mkdir -p "$D/acme" "$D/tls" "$D/state" "$D/spool"
	echo first.example.org > "$D/machine"
	"$NDT7" --listen 127.0.0.1 --ws-port "$WS" --wss-port "$WSS" \
		--health-listen "127.0.0.1:$HEALTH" --workers 2 --state-dir "$D/state" \
		--spool-dir "$D/spool" --www-dir "$D/nowww" --acme-challenge-dir "$D/acme" \
		--cert "$D/tls/cert.pem" --key "$D/tls/key.pem" \
		--token-machine-file "$D/machine" > "$D/server.log" 2>&1 3>&- &
	echo $! > "$D/server.pid"
	for _ in $(seq 50); do
		grep -q ' ready: ' "$D/server.log" && return 0
		sleep 0.1
	done
	cat "$D/server.log" >&2
	return 1
}

teardown_file() {
	pid_stop "$D/server.pid"
}

# The SHA-256 fingerprint of the certificate the wss port presents.
served_fingerprint() {
	timeout 10 openssl s_client -connect "127.0.0.1:$WSS" -servername node.example.org \
		< /dev/null 2> /dev/null | openssl x509 -noout -fingerprint -sha256
}

# A throwaway P-256 certificate for node.example.org into $1/cert.pem, key.pem.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$2" -keyout "$1/key.pem.new" -out "$1/cert.pem.new" 2> /dev/null
	mv "$1/key.pem.new" "$1/key.pem"
	mv "$1/cert.pem.new" "$1/cert.pem"
}

@test "a challenge file is served as text/plain on the ws port, byte for byte" {
	printf 'tok-EN_1.thumbprint' > "$D/acme/tok-EN_1"
	run curl -sS -i --max-time 5 "http://127.0.0.1:$WS/.well-known/acme-challenge/tok-EN_1"
	assert_success
	assert_line --partial 'HTTP/1.1 200 OK'
	assert_line --partial 'Content-Type: text/plain'
	assert_line --partial 'Content-Length: 19'
	run curl -sS --max-time 5 "http://127.0.0.1:$WS/.well-known/acme-challenge/tok-EN_1"
	assert_output 'tok-EN_1.thumbprint'
	run curl -sS -I --max-time 5 "http://127.0.0.1:$WS/.well-known/acme-challenge/tok-EN_1"
	assert_line --partial 'HTTP/1.1 200 OK'
	refute_line --partial 'thumbprint'
	# Written after the start: read at request time, not cached.
	printf 'changed' > "$D/acme/tok-EN_1"
	run curl -sS --max-time 5 "http://127.0.0.1:$WS/.well-known/acme-challenge/tok-EN_1"
	assert_output 'changed'
	grep -q 'acme challenge tok-EN_1 to 127.0.0.1' "$D/server.log"
}

@test "unknown tokens, traversal, links, large files and the wss port get 404" {
	code() { curl -sS -k -o /dev/null -w '%{http_code}' --max-time 5 --path-as-is "$@"; }
	echo secret > "$D/outside"
	ln -sf "$D/outside" "$D/acme/link"
	head -c 5000 /dev/zero > "$D/acme/big"
	mkdir -p "$D/acme/dir"
	printf 'x' > "$D/acme/ok"
	run code "http://127.0.0.1:$WS/.well-known/acme-challenge/missing"
	assert_output 404
	run code "http://127.0.0.1:$WS/.well-known/acme-challenge/../../outside"
	assert_output 404
	run code "http://127.0.0.1:$WS/.well-known/acme-challenge/..%2f..%2foutside"
	assert_output 404
	run code "http://127.0.0.1:$WS/.well-known/acme-challenge/link"
	assert_output 404
	run code "http://127.0.0.1:$WS/.well-known/acme-challenge/big"
	assert_output 404
	run code "http://127.0.0.1:$WS/.well-known/acme-challenge/dir"
	assert_output 404
	run code -X POST "http://127.0.0.1:$WS/.well-known/acme-challenge/ok"
	assert_output 405
	run code "https://127.0.0.1:$WSS/.well-known/acme-challenge/ok"
	assert_output 404
	run code "http://127.0.0.1:$WS/.well-known/acme-challenge/ok"
	assert_output 200
}

@test "self-signed until --cert/--key exist, then theirs, then renewed ones, without a restart" {
	grep -q 'does not exist yet; a self-signed certificate until both do' "$D/server.log"
	first=$(served_fingerprint)
	[[ $first == *Fingerprint* ]]
	pid=$(cat "$D/server.pid")
	make_cert "$D/tls" node.example.org
	want=$(openssl x509 -noout -fingerprint -sha256 -in "$D/tls/cert.pem")
	got=
	for _ in $(seq 60); do
		got=$(served_fingerprint)
		[[ $got == "$want" ]] && break
		sleep 0.2
	done
	assert_equal "$got" "$want"
	make_cert "$D/tls" node.example.org
	want2=$(openssl x509 -noout -fingerprint -sha256 -in "$D/tls/cert.pem")
	[[ $want2 != "$want" ]]
	# Both workers: every new connection shows the new one within ~2 s.
	sleep 3
	for _ in 1 2 3 4 5 6; do
		assert_equal "$(served_fingerprint)" "$want2"
	done
	assert_equal "$(cat "$D/server.pid")" "$pid"
	kill -0 "$pid"
	grep -q 'tls: loaded the new certificate' "$D/server.log"
}

@test "the token audience follows --token-machine-file" {
	grep -q 'access tokens: 0 verify key(s), audience first.example.org' "$D/server.log"
	echo second.example.org > "$D/machine.new"
	mv "$D/machine.new" "$D/machine"
	for _ in $(seq 40); do
		grep -q 'access tokens: audience now second.example.org' "$D/server.log" && break
		sleep 0.1
	done
	grep -q "access tokens: audience now second.example.org (from $D/machine)" "$D/server.log"
}
