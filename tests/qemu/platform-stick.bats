#!/usr/bin/env bats
# The platform agent with its API key on the stick, as an operator sets it
# up: the default image on a USB stick (usb-storage, BIOS) whose fathom.conf
# holds the network, platform.* (the key among them) and ndt7's token
# verify key. The stand-in for M-Lab's APIs (tests/platform/standin.py)
# runs in the test namespace on 192.0.2.1; the only change to the stick's
# boot files is the test CA (public) appended to its initramfs, and
# fathom.shell on its syslinux line (the rescue shell for the checks). The
# machine registers, heartbeats score 1, accepts a test with a token minted
# for its registered name, keeps the key in a 0600 file of the agent's and
# off the console, and sends score 0 when powered off. One boot.

load lib
load '../platform/lib'
load platform

CONSOLE_PORT=4559

# Run by vm_boot once the namespace exists: the stand-in, then the stick.
standin_and_stick() {
	STANDIN_NETNS=$NS STANDIN_ADDR=192.0.2.1 standin_start || return 1
	local img=$D/stick.img o=$D/overlay
	mkdir -p "$o"
	cp "$OUTDIR/$BOARD/fathom.img" "$img"
	(
		umask 077
		printf '%s\n' "# node1 (made by platform-stick.bats)" \
			"ipv4 = 192.0.2.10/28,192.0.2.1" "ipv6 = 2001:db8::10/64,2001:db8::1" > "$D/fathom.conf"
		platform_settings "platform.heartbeat-interval=2" "platform.acme-directory=off" \
			"ndt7.token-verify-key=$B64" >> "$D/fathom.conf"
	)
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@1M" "$D/fathom.conf" ::/fathom.conf || return 1
	platform_initrd || return 1
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@1M" "$o/initrd" ::/boot/initramfs.cpio.zst || return 1
	unset VM_INITRD
	MTOOLS_SKIP_CHECK=1 mtype -i "$img@@1M" ::/boot/syslinux/syslinux.cfg |
		sed 's/^\( *APPEND .*\)$/\1 fathom.shell/' > "$o/syslinux.cfg"
	grep -q 'APPEND .* fathom.shell$' "$o/syslinux.cfg" || return 1
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@1M" "$o/syslinux.cfg" ::/boot/syslinux/syslinux.cfg ||
		return 1
	export VM_MEDIA="--usb $img"
}

setup_file() {
	platform_setup_file || return 1
	export K=$D/tokkeys MINT=$TOP/tests/ndt7/mint-token.py
	mkdir -p "$K"
	"$MINT" keygen EdDSA locate_stick "$K" || return 1
	B64=$(basenc --base64url -w0 < "$K/locate_stick.jwk" | tr -d =)
	export VM_CONSOLE_PORT=$CONSOLE_PORT VM_BEFORE_BOOT=standin_and_stick
	vm_boot platform-stick
	platform_booted
}

teardown_file() {
	standin_stop
	vm_destroy
}


@test "stick: the agent takes the key from the stick's fathom.conf, registers and heartbeats score 1" {
	run tr -d '\r' < "$CONSOLE"
	assert_output --regexp "fathom: media: /dev/sd[a-z]1 \(vfat\) is the boot medium [0-9a-f]{16}, after [0-9]+ ms; reading its fathom.conf"
	wait_until 120 grep -q "platform: registered as $H" "$CONSOLE" || { show_console; false; }
	rec '.endpoint == "register-token"' | head -1 | jq -e '.status == 200 and .jwt == "ok" and
		.query.ipv4 == ["192.0.2.10"] and (.query.iata | map(ascii_downcase)) == ["lga"]'
	wait_until 60 has_score 1
	rec '.kind == "ws-message"' | head -1 | jq -e --arg h "$H" '.msg.Registration.Hostname == $h'
}

@test "stick: the key is in /run/fathom/settings/platform.conf (0600, platform's) and on no console line" {
	vm_shell 'stat -c "%a %U %G" /run/fathom/settings/platform.conf; grep -c "^platform.api-key=" /run/fathom/settings/platform.conf'
	echo "$output"
	assert_line "600 platform platform"
	assert_line "1"
	run tr -d '\r' < "$CONSOLE"
	refute_output --partial "$(key_of "$D/keys" 1)"
}

# status TARGET: the HTTP status of an upgrade to 192.0.2.10:80 TARGET.
status() {
	in_ns timeout 20 node "$RAW" status 192.0.2.10 80 "$1" | jq -r .status
}

@test "stick: ndt7 accepts a test with a token minted for the registered name (verify key from fathom.conf)" {
	wait_until 30 grep -q "access tokens: audience now $H" "$CONSOLE"
	tok=$("$MINT" sign "$K/locate_stick.pem" --aud "$H")
	[ "$(status "/ndt/v7/download?access_token=$tok")" = 101 ]
	tok=$("$MINT" sign "$K/locate_stick.pem" --aud "node1.example.org")
	[ "$(status "/ndt/v7/download?access_token=$tok")" = 401 ]
}

# Last: this one ends the VM.
@test "stick: the ACPI power button: Health Score 0, then power off" {
	wait_until 30 has_score 1
	vm_monitor system_powerdown
	for _ in $(seq 60); do kill -0 "$QEMU_PID" 2>/dev/null || break; sleep 0.5; done
	run kill -0 "$QEMU_PID"
	assert_failure
	[ "$(scores | tail -1)" = 0 ]
	run tr -d '\r' < "$CONSOLE"
	refute_output --partial "$(key_of "$D/keys" 1)"
}
