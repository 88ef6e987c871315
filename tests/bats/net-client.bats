#!/usr/bin/env bats
# lib/net's HTTPS and WebSocket clients (https.h, wsclient.h) on the wire,
# through the test driver tests/net/netget.c, against stand-in servers on
# 127.0.0.1 (tests/net/server.py) with a throwaway CA made here by openssl.
# Every process started here is stopped by its pid.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../lib/build'
load '../ndt7/assert'

# A key and a certificate signed by CA ($1: ca or other) for SANs $3 ($2:
# file name stem); with $4 = expired, valid only in 2020.
cert() {
	ca=$1 stem=$2 san=$3
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/$stem.key" \
		-out "$D/$stem.csr" -subj "/CN=$stem" 2> /dev/null
	printf 'subjectAltName=%s\n' "$san" > "$D/$stem.ext"
	if [ "${4:-}" = expired ]; then
		openssl ca -batch -config "$D/$ca.cnf" -in "$D/$stem.csr" -out "$D/$stem.pem" -notext \
			-startdate 20200101000000Z -enddate 20200102000000Z -extfile "$D/$stem.ext" \
			2> /dev/null
	else
		openssl x509 -req -in "$D/$stem.csr" -CA "$D/$ca.pem" -CAkey "$D/$ca.key" \
			-CAcreateserial -days 2 -extfile "$D/$stem.ext" -out "$D/$stem.pem" 2> /dev/null
	fi
}

make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/$1.key" \
		-out "$D/$1.pem" -days 3 -subj "/CN=fathom test $1" 2> /dev/null
	mkdir -p "$D/$1.db"
	: > "$D/$1.db/index.txt"
	echo 1000 > "$D/$1.db/serial"
	cat > "$D/$1.cnf" <<-CNF
	[ca]
	default_ca = ca_section
	[ca_section]
	database = $D/$1.db/index.txt
	new_certs_dir = $D/$1.db
	serial = $D/$1.db/serial
	certificate = $D/$1.pem
	private_key = $D/$1.key
	default_md = sha256
	policy = any
	[any]
	commonName = supplied
	CNF
}

start() {
	name=$1
	shift
	/usr/bin/python3 "$TOP/tests/net/server.py" "$@" > "$D/$name.log" 2>&1 3>&- &
	echo $! > "$D/$name.pid"
	for _ in $(seq 50); do
		grep -q '^ready' "$D/$name.log" && return 0
		kill -0 "$(cat "$D/$name.pid")" 2> /dev/null || break
		sleep 0.1
	done
	cat "$D/$name.log" >&2
	return 1
}

setup_file() {
	export D=$BATS_FILE_TMPDIR
	make_targets netget
	export NETGET=$OUTDIR/build/host/netget
	make_ca ca
	make_ca other
	cert ca good 'IP:127.0.0.1,DNS:localhost'
	cert ca wrongname 'DNS:other.example,IP:192.0.2.1'
	cert other untrusted 'IP:127.0.0.1,DNS:localhost'
	cert ca expired 'IP:127.0.0.1,DNS:localhost' expired
	read -r P_OK P_WRONG P_UNTRUSTED < <(free_ports)
	read -r P_EXPIRED P_WSS P_SILENT < <(free_ports)
	export P_OK P_WRONG P_UNTRUSTED P_EXPIRED P_WSS P_SILENT
	start ok https "$P_OK" "$D/good.pem" "$D/good.key"
	start wrong https "$P_WRONG" "$D/wrongname.pem" "$D/wrongname.key"
	start untrusted https "$P_UNTRUSTED" "$D/untrusted.pem" "$D/untrusted.key"
	start expired https "$P_EXPIRED" "$D/expired.pem" "$D/expired.key"
	start wss wss "$P_WSS" "$D/good.pem" "$D/good.key"
	# A port that accepts TCP connections and never answers.
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(120)' \
		"$P_SILENT" 3>&- &
	echo $! > "$D/silent.pid"
}

teardown_file() {
	for f in "$D"/*.pid; do
		[ -e "$f" ] || continue
		kill -TERM "$(cat "$f")" 2> /dev/null || true
	done
}

@test "https: a body from a server whose certificate chains to the CA (address and name)" {
	run "$NETGET" --ca "$D/ca.pem" GET "https://127.0.0.1:$P_OK/ok"
	assert_success
	assert_output $'status 200\nhello from the stand-in'
	run "$NETGET" --ca "$D/ca.pem" GET "https://localhost:$P_OK/ok"
	assert_success
	assert_line 'status 200'
}

@test "https: a POST body arrives" {
	run "$NETGET" --ca "$D/ca.pem" --data 'key=value' POST "https://127.0.0.1:$P_OK/post"
	assert_success
	assert_output $'status 201\ngot key=value'
}

@test "https: a chunked response is decoded" {
	run "$NETGET" --ca "$D/ca.pem" GET "https://127.0.0.1:$P_OK/chunked"
	assert_success
	assert_output $'status 200\nfirst second third'
}

@test "https: refused without the test CA (the system bundle does not know it)" {
	run "$NETGET" GET "https://127.0.0.1:$P_OK/ok"
	assert_failure 1
	assert_output --partial 'TLS: certificate verify failed for 127.0.0.1: unable to get local issuer certificate'
}

@test "https: refused when the certificate is for another host (address and name)" {
	run "$NETGET" --ca "$D/ca.pem" GET "https://127.0.0.1:$P_WRONG/ok"
	assert_failure 1
	assert_output --partial 'certificate verify failed for 127.0.0.1: IP address mismatch'
	run "$NETGET" --ca "$D/ca.pem" GET "https://localhost:$P_WRONG/ok"
	assert_failure 1
	assert_output --partial 'certificate verify failed for localhost: hostname mismatch'
}

@test "https: refused when the certificate comes from an untrusted CA" {
	run "$NETGET" --ca "$D/ca.pem" GET "https://127.0.0.1:$P_UNTRUSTED/ok"
	assert_failure 1
	assert_output --partial 'certificate verify failed for 127.0.0.1: unable to get local issuer certificate'
	refute_output --partial 'status'
}

@test "https: refused when the certificate has expired" {
	run "$NETGET" --ca "$D/ca.pem" GET "https://127.0.0.1:$P_EXPIRED/ok"
	assert_failure 1
	assert_output --partial 'certificate verify failed for 127.0.0.1: certificate has expired'
}

@test "https: the key pin: the right one passes, another is refused" {
	pin=$(openssl x509 -in "$D/good.pem" -pubkey -noout | openssl pkey -pubin -outform der |
		sha256sum | cut -d' ' -f1)
	run "$NETGET" --ca "$D/ca.pem" --pin "$pin" GET "https://127.0.0.1:$P_OK/ok"
	assert_success
	assert_line 'status 200'
	other=$(openssl x509 -in "$D/untrusted.pem" -pubkey -noout | openssl pkey -pubin -outform der |
		sha256sum | cut -d' ' -f1)
	run "$NETGET" --ca "$D/ca.pem" --pin "$other" GET "https://127.0.0.1:$P_OK/ok"
	assert_failure 1
	assert_output 'netget: TLS: server key does not match the pin'
	run "$NETGET" --ca "$D/ca.pem" --pin abc GET "https://127.0.0.1:$P_OK/ok"
	assert_failure 1
	assert_output --partial 'pin: not 64 hex digits'
}

@test "https: a redirect is returned, not followed" {
	run "$NETGET" --ca "$D/ca.pem" GET "https://127.0.0.1:$P_OK/redirect"
	assert_success
	assert_output $'status 302\nlocation https://127.0.0.1:1/elsewhere'
}

@test "https: a body over --max is refused" {
	run "$NETGET" --ca "$D/ca.pem" --max 1000 GET "https://127.0.0.1:$P_OK/big"
	assert_failure 1
	assert_output 'netget: response body over 1000 bytes'
	run "$NETGET" --ca "$D/ca.pem" --max 100000 GET "https://127.0.0.1:$P_OK/big"
	assert_success
	assert_line 'status 200'
}

@test "https: a stalled server or TLS handshake ends in a timeout error within the bound" {
	for url in "https://127.0.0.1:$P_OK/stall" "https://127.0.0.1:$P_SILENT/"; do
		start=$(date +%s%N)
		run "$NETGET" --ca "$D/ca.pem" --timeout 1500 GET "$url"
		ms=$((($(date +%s%N) - start) / 1000000))
		assert_failure 1
		assert_output 'netget: timeout after 1500 ms'
		[ "$ms" -ge 1400 ] && [ "$ms" -lt 3000 ] || { echo "$url took $ms ms" >&2; return 1; }
	done
}

@test "https: connection refused and plain http are reported" {
	run "$NETGET" --ca "$D/ca.pem" GET "https://127.0.0.1:1/"
	assert_failure 1
	assert_output 'netget: connect 127.0.0.1:1: Connection refused'
	run "$NETGET" --ca "$D/ca.pem" GET "http://127.0.0.1:$P_OK/ok"
	assert_failure 1
	assert_output 'netget: URL: http:// refused, https:// required'
}

@test "wss: a message round trip with the echo server" {
	run "$NETGET" --ca "$D/ca.pem" --header 'Authorization: Bearer not-a-secret' \
		--ws "wss://127.0.0.1:$P_WSS/echo" 'hello, heartbeat'
	assert_success
	assert_output 'reply: hello, heartbeat'
}

@test "wss: the server's close code is reported" {
	run "$NETGET" --ca "$D/ca.pem" --ws "wss://127.0.0.1:$P_WSS/close" 'bye?'
	assert_failure 1
	assert_output 'netget: WebSocket: closed by the peer: code 4001: bye'
}

@test "wss: a 401 on the upgrade is reported" {
	run "$NETGET" --ca "$D/ca.pem" --ws "wss://127.0.0.1:$P_WSS/deny" 'x'
	assert_failure 1
	assert_output 'netget: upgrade refused: 401'
}

@test "wss: the server is verified as for https" {
	run "$NETGET" --ws "wss://127.0.0.1:$P_WSS/echo" 'x'
	assert_failure 1
	assert_output --partial 'TLS: certificate verify failed for 127.0.0.1'
}

@test "wss: pings are answered, fragments joined, size bound and silence reported" {
	run "$NETGET" --ca "$D/ca.pem" --ws "wss://127.0.0.1:$P_WSS/ping" 'x'
	assert_success
	assert_output 'reply: pong received'
	run "$NETGET" --ca "$D/ca.pem" --ws "wss://127.0.0.1:$P_WSS/frag" 'three'
	assert_success
	assert_output 'reply: one two three'
	run "$NETGET" --ca "$D/ca.pem" --ws "wss://127.0.0.1:$P_WSS/big" 'x'
	assert_failure 1
	assert_output 'netget: WebSocket: message over 65535 bytes'
	start=$(date +%s%N)
	run "$NETGET" --ca "$D/ca.pem" --timeout 1500 --ws "wss://127.0.0.1:$P_WSS/silent" 'x'
	ms=$((($(date +%s%N) - start) / 1000000))
	assert_failure 1
	assert_output 'netget: no reply (timeout)'
	[ "$ms" -lt 4000 ] || { echo "took $ms ms" >&2; return 1; }
}
