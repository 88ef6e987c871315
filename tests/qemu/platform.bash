# Shared by the tests/qemu/platform*.bats files (loaded after lib and
# ../platform/lib): the VM's platform settings as an operator writes them,
# the archive that carries them (and the test CA) into the VM, and the
# stand-in's records of Locate's heartbeat.

# The stand-in's name for the VM: the site (iata + its made-up ASN) and the
# address 192.0.2.10 in hex.
H=ndt-lga64496-c000020a.org1.sandbox.measurement-lab.org

# platform_settings [LINE...]: on stdout, the platform.* settings naming
# the stand-in in the namespace ($SURL, $SPORT: standin_start), the test CA
# as the VM sees it, and the first throwaway API key; LINEs are added.
platform_settings() {
	printf '%s\n' "platform.api-key=$(key_of "$D/keys" 1)" \
		"platform.token-url=$SURL/v0/token/autojoin" \
		"platform.register-url=$SURL/autojoin/v0/node/register/token" \
		"platform.heartbeat-url=wss://192.0.2.1:$SPORT/v2/platform/heartbeat-jwt" \
		"platform.ca-file=/etc/fathom/platform-test-ca.pem" \
		"platform.iata=lga" "platform.uplink=10g" "$@"
}

# platform_initrd [SECRETS]: $D/overlay/initrd, the image's initramfs with an
# archive appended (as an operator's per-machine overlay) holding the test
# CA and, when given, the file SECRETS as /etc/fathom/secrets/platform.conf
# (0600, user platform); VM_INITRD names it.
platform_initrd() {
	local o=$D/overlay
	mkdir -p "$o"
	printf '%s\n' "dir /etc 0755 0 0" "dir /etc/fathom 0755 0 0" \
		"file /etc/fathom/platform-test-ca.pem $D/ca/ca.pem 0644 0 0" > "$o/manifest"
	[ -z "${1:-}" ] || printf '%s\n' "dir /etc/fathom/secrets 0755 0 0" \
		"file /etc/fathom/secrets/platform.conf $1 0600 102 102" >> "$o/manifest"
	"$OUTDIR/build/host/mkcpio" -o "$o/overlay.cpio" "$o/manifest" || return 1
	initrd_concat "$o/initrd" "$OUTDIR/$BOARD/initramfs.cpio.zst" "$o/overlay.cpio"
	export VM_INITRD=$o/initrd
}

# platform_secrets_initrd [LINE...]: platform_settings LINEs in a private
# file, carried by platform_initrd.
platform_secrets_initrd() {
	mkdir -p "$D/overlay"
	(
		umask 077
		platform_settings "$@" > "$D/overlay/platform.conf"
	)
	platform_initrd "$D/overlay/platform.conf"
}

# platform_setup_file: what every file needs before its boot: the test CA
# (also the stand-in's certificate for 192.0.2.1) and the API keys.
platform_setup_file() {
	export D=$BATS_FILE_TMPDIR
	/usr/bin/python3 -c 'import websockets, cryptography' 2> /dev/null ||
		skip "python3-websockets or python3-cryptography missing: run scripts/deps"
	make_ca "$D/ca" 192.0.2.1 || return 1
	make_keys "$D/keys" org1
}

# platform_booted: after vm_boot: the stand-in's coordinates for the tests,
# and the VM answering (the tests wait themselves if it does not yet).
platform_booted() {
	export SPORT CPORT SURL STANDIN_NETNS=$NS
	export RAW=$TOP/tests/ndt7/raw.js
	wait_for_ping 192.0.2.10 || true
}

# The health scores the stand-in received over the heartbeat, in order.
scores() { rec '.kind == "ws-message" and .msg.Health' | jq -r .msg.Health.Score; }
has_score() { scores | grep -qx "$1"; }
