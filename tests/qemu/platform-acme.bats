#!/usr/bin/env bats
# ACME end to end in the booted default image: the platform agent registers
# with the stand-in (tests/platform/standin.py) and then obtains a
# certificate for the registered name from Debian's pebble (Let's Encrypt's
# test server), both in the test namespace on 192.0.2.1. Pebble's VA
# resolves the name through pebble-challtestsrv's mock DNS (every A query:
# 192.0.2.10, the VM) and fetches the http-01 answer from ndt7 on port 80;
# ndt7 then serves the issued chain on 443 without a restart. One throwaway
# test CA signs both the stand-in's and pebble's own HTTPS certificates, so
# the agent's one --ca-file trusts both. Settings as an operator's:
# /etc/fathom/secrets/platform.conf in an archive appended to the initramfs.
# One VM for the file; every process started here is stopped by its pid.

load lib
load '../platform/lib'
load platform

CONSOLE_PORT=4559

# pstart NAME COMMAND...: in the namespace, in the background, its pid in $D/NAME.pid.
pstart() {
	local n=$1
	shift
	ip netns exec "$NS" "$@" > "$D/$n.log" 2>&1 3>&- &
	echo $! > "$D/$n.pid"
}

# plog_has NAME PATTERN: polls NAME's log for PATTERN for up to 10 s.
plog_has() {
	for _ in $(seq 100); do
		grep -q "$2" "$D/$1.log" && return 0
		sleep 0.1
	done
	cat "$D/$1.log" >&2
	return 1
}

# Run by vm_boot once the namespace exists: the mock DNS, pebble, the
# stand-in, then the settings archive naming them.
servers_and_settings() {
	cat > "$D/pebble.json" <<-EOF
	{"pebble": {"listenAddress": "192.0.2.1:14000",
	  "managementListenAddress": "192.0.2.1:15000",
	  "certificate": "$D/ca/server.pem", "privateKey": "$D/ca/server.key",
	  "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "",
	  "externalAccountBindingRequired": false}}
	EOF
	pstart dns pebble-challtestsrv -dns01 192.0.2.1:8053 -http01 "" -https01 "" \
		-tlsalpn01 "" -management 192.0.2.1:8055 -defaultIPv4 192.0.2.10 -defaultIPv6 ""
	PEBBLE_VA_NOSLEEP=1 PEBBLE_VA_ALWAYS_VALID=0 \
		pstart pebble pebble -config "$D/pebble.json" -dnsserver 192.0.2.1:8053
	plog_has dns 'Starting management server' || return 1
	plog_has pebble 'Listening on' || return 1
	STANDIN_NETNS=$NS STANDIN_ADDR=192.0.2.1 standin_start || return 1
	platform_secrets_initrd "platform.acme-directory=https://192.0.2.1:14000/dir"
}

setup_file() {
	export D=$BATS_FILE_TMPDIR
	if ! command -v pebble > /dev/null || ! command -v pebble-challtestsrv > /dev/null; then
		skip "pebble is not installed (scripts/deps)"
	fi
	/usr/bin/python3 -c 'import websockets, cryptography' 2> /dev/null ||
		skip "python3-websockets or python3-cryptography missing: run scripts/deps"
	make_ca "$D/ca" 192.0.2.1 || return 1
	make_keys "$D/keys" org1
	export VM_CONSOLE_PORT=$CONSOLE_PORT VM_BEFORE_BOOT=servers_and_settings
	vm_boot platform-acme console=ttyS0,115200 fathom.shell \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1
	platform_booted
}

teardown_file() {
	standin_stop
	local n
	for n in pebble dns; do
		pid_stop "$D/$n.pid"
	done
	vm_destroy
}

@test "the agent registers, then the console shows the certificate pebble issued for the name" {
	wait_until 90 grep -q "platform: registered as $H" "$CONSOLE"
	wait_until 120 grep -q "platform: certificate for $H \(issued\|not issued\)" "$CONSOLE"
	run tr -d '\r' < "$CONSOLE"
	assert_output --regexp "platform: certificate for $H issued by Pebble Intermediate CA [0-9a-f]+, expires [0-9]{4}-[0-9]{2}-[0-9]{2}"
	refute_output --partial "not issued"
	refute_output --partial "$(key_of "$D/keys" 1)"
	# Pebble's VA fetched the token from ndt7 in the VM.
	grep -q 'Issued certificate serial' "$D/pebble.log"
}

@test "ndt7 in the VM serves the issued chain on 443; it verifies against pebble's root for the name" {
	wait_until 120 grep -q "platform: certificate for $H issued" "$CONSOLE"
	in_ns curl -sS --max-time 10 --cacert "$D/ca/ca.pem" https://192.0.2.1:15000/roots/0 \
		> "$D/root.pem"
	grep -q 'BEGIN CERTIFICATE' "$D/root.pem"
	# ndt7 reloads within seconds (each worker on its own): every
	# handshake of a few in a row must verify once one has.
	verifies() {
		in_ns timeout 10 openssl s_client -connect 192.0.2.10:443 -servername "$H" \
			-verify_hostname "$H" -CAfile "$D/root.pem" -verify_return_error < /dev/null
	}
	wait_until 30 verifies
	for _ in 1 2 3 4; do
		run verifies
		assert_success
		assert_output --partial 'Verify return code: 0 (ok)'
	done
	# Another name does not verify.
	run in_ns timeout 10 openssl s_client -connect 192.0.2.10:443 -servername "$H" \
		-verify_hostname other.example.org -CAfile "$D/root.pem" -verify_return_error < /dev/null
	assert_failure
}

@test "in the VM: key.pem 0640 platform:tls, cert.pem 0644, the account key 0600 in the agent's state, no challenge answer left" {
	wait_until 120 grep -q "platform: certificate for $H issued" "$CONSOLE"
	# shellcheck disable=SC2016 # expanded by the VM's shell
	vm_shell 'ls -ln /var/lib/platform-tls /var/lib/platform/acme-account.pem; echo acme: $(ls -A /run/fathom/acme | wc -l)'
	echo "$output"
	assert_line --regexp '^-rw------- +1 +102 +102 .* /var/lib/platform/acme-account\.pem$'
	assert_line --regexp '^-rw-r----- +1 +102 +104 .* key\.pem$'
	assert_line --regexp '^-rw-r--r-- +1 +102 +[0-9]+ .* cert\.pem$'
	assert_line "acme: 0"
	# Group tls (104) reads the key: ndt7 is in it, the uploader is not.
	# shellcheck disable=SC2016 # expanded by the VM's shell
	vm_shell 'for n in ndt7-server uploader; do for p in $(pidof $n); do echo "$n $(grep ^Groups: /proc/$p/status)"; done; done'
	assert_line --regexp '^ndt7-server Groups:.*[[:space:]]104([[:space:]]|$)'
	assert_line --regexp '^uploader Groups:'
	refute_line --regexp '^uploader Groups:.*[[:space:]]104([[:space:]]|$)'
}
