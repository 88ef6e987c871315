#!/usr/bin/env bats
# The default image's platform agent (services/platform, started by init as
# user platform once the network is up) joining the stand-in for M-Lab's
# APIs (tests/platform/standin.py) in the test namespace on 192.0.2.1, with
# a throwaway test CA. Its settings, the API key among them, come as an
# operator's would: /etc/fathom/secrets/platform.conf (0600, user platform)
# in an archive appended to the initramfs, never the kernel command line.
# The agent exchanges the key, registers, writes the name for ndt7 and keeps
# Locate's heartbeat: Registration, then Health Score 1 (ndt7 healthy), and
# Score 0 when the machine powers off; ndt7 takes the registered name as its
# access tokens' audience. One VM for the file.

load lib
load '../platform/lib'
load platform

CONSOLE_PORT=4558

# Run by vm_boot once the namespace exists: the stand-in on the bridge's
# address, then the settings archive naming its port.
standin_and_settings() {
	STANDIN_NETNS=$NS STANDIN_ADDR=192.0.2.1 standin_start || return 1
	platform_secrets_initrd "platform.heartbeat-interval=2" "platform.acme-directory=off"
}

setup_file() {
	platform_setup_file || return 1
	# ndt7 verifies access tokens with a throwaway public key (the kernel
	# command line); their audience is the name the agent registered.
	export K=$D/tokkeys MINT=$TOP/tests/ndt7/mint-token.py
	mkdir -p "$K"
	"$MINT" keygen EdDSA locate_qemu "$K" || return 1
	b64=$(basenc --base64url -w0 < "$K/locate_qemu.jwk" | tr -d =)
	export VM_CONSOLE_PORT=$CONSOLE_PORT VM_BEFORE_BOOT=standin_and_settings
	vm_boot platform console=ttyS0,115200 fathom.shell \
		fathom.ipv4=192.0.2.10/28,192.0.2.1 fathom.ipv6=2001:db8::10/64,2001:db8::1 \
		fathom.ndt7.token-verify-key="$b64"
	platform_booted
}

teardown_file() {
	standin_stop
	vm_destroy
}


@test "the agent exchanges the key from the private settings file and registers; the console says so" {
	wait_until 90 grep -q "platform: registered as $H" "$CONSOLE"
	[ "$(nrec '.endpoint == "token" and .method == "POST" and .api_key == "ok"')" -ge 1 ]
	rec '.endpoint == "register-token"' | head -1 | jq -e '.status == 200 and .jwt == "ok" and
		.query.service == ["ndt"] and (.query.iata | map(ascii_downcase)) == ["lga"] and
		.query.ipv4 == ["192.0.2.10"] and .query.uplink == ["10g"] and
		.query.type == ["physical"]'
	run tr -d '\r' < "$CONSOLE"
	refute_output --partial "service platform: exited"
	refute_output --partial "no API key"
	# The key: never on the console, never on the kernel command line.
	refute_output --partial "$(key_of "$D/keys" 1)"
}

@test "the registered name reaches ndt7 (its access tokens' audience) through /run/fathom/platform" {
	wait_until 30 grep -q "access tokens: audience now $H" "$CONSOLE"
	vm_shell 'cat /run/fathom/platform/hostname; echo; ls -ldn /run/fathom/platform /run/fathom/acme; cat /proc/cmdline'
	echo "$output"
	assert_line "$H"
	assert_line --regexp '^drwxr-xr-x +[0-9]+ +102 +102 .* /run/fathom/platform$'
	assert_line --regexp '^drwxr-xr-x +[0-9]+ +102 +102 .* /run/fathom/acme$'
	refute_output --partial "$(key_of "$D/keys" 1)"
}

# status TARGET: the HTTP status of an upgrade to 192.0.2.10:80 TARGET.
status() {
	in_ns timeout 20 node "$RAW" status 192.0.2.10 80 "$1" | jq -r .status
}

@test "ndt7 accepts a token minted for the registered name, refuses one for the old hostname" {
	wait_until 30 grep -q "access tokens: audience now $H" "$CONSOLE"
	tok=$("$MINT" sign "$K/locate_qemu.pem" --aud "$H")
	[ "$(status "/ndt/v7/download?access_token=$tok")" = 101 ]
	tok=$("$MINT" sign "$K/locate_qemu.pem" --aud "(none)")
	[ "$(status "/ndt/v7/download?access_token=$tok")" = 401 ]
	[ "$(status "/ndt/v7/download")" = 401 ]
}

@test "the heartbeat: Registration first, then Health Score 1 (ndt7 healthy on 443 and 80)" {
	wait_until 60 has_score 1
	rec '.kind == "ws-message"' | head -1 | jq -e --arg h "$H" \
		'.msg.Registration.Hostname == $h and .msg.Registration.Experiment == "ndt" and
		 .msg.Registration.Metro == "lga"'
	[ "$(nrec '.kind == "ws-message" and .note')" -eq 0 ]
	assert_equal "$(scores | sort -u)" 1
	grep -q "platform: heartbeat connected to 192.0.2.1" "$CONSOLE"
}

# Last: this one ends the VM.
@test "the ACPI power button: the agent sends Health Score 0, and the VM powers off" {
	wait_until 30 has_score 1
	vm_monitor system_powerdown
	for _ in $(seq 60); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
	run kill -0 "$QEMU_PID"
	assert_failure
	[ "$(scores | tail -1)" = 0 ]
	run tr '\n' ' ' < "$CONSOLE"
	assert_output --partial "shutdown: power off now"
}
