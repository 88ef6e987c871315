# Helpers for the platform tests (tests/bats/platform-*.bats): a throwaway
# test CA, the stand-in for M-Lab's APIs (tests/platform/standin.py) started
# and stopped by its pid, its control port and its record.
# Needs: $D (a directory of the test's own), openssl, curl, jq.

# shellcheck source=tests/lib/pid.bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../lib/pid.bash"

STANDIN_PY=${STANDIN_PY:-/usr/bin/python3}
STANDIN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/standin.py

# make_ca DIR NAME...: a CA (DIR/ca.pem) and a server certificate
# (DIR/server.pem, DIR/server.key) for the names and addresses given.
make_ca() {
	local dir=$1 san="" n
	shift
	for n in "$@"; do
		if [[ $n =~ ^[0-9.]+$ || $n == *:* ]]; then san+="IP:$n,"; else san+="DNS:$n,"; fi
	done
	mkdir -p "$dir"
	(
		umask 077
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 -subj "/CN=Fathom test CA" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=$1"
		printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "${san%,}" > "$dir/ext"
		openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
			-CAcreateserial -days 2 -out "$dir/server.pem" -extfile "$dir/ext"
	) > "$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; return 1; }
}

# make_keys FILE ORG...: one throwaway API key per org (mode 0600), "KEY ORG"
# a line; key_of FILE N prints line N's key, no newline (for curl --url-query @file).
make_keys() {
	local f=$1 org
	shift
	(umask 077; : > "$f")
	for org in "$@"; do
		echo "$(head -c 24 /dev/urandom | base64 | tr '+/' '-_') $org" >> "$f"
	done
}
key_of() { sed -n "${2}p" "$1" | cut -d' ' -f1 | tr -d '\n'; }

# standin_start [ARGS...]: the stand-in on ${STANDIN_ADDR:-127.0.0.1} with
# the CA of $D/ca and keys $D/keys; sets SPORT (TLS), CPORT (control), SURL.
# In a namespace: STANDIN_NETNS=NAME (the control port is then inside it).
standin_start() {
	local ns=() addr=${STANDIN_ADDR:-127.0.0.1}
	[ -n "${STANDIN_NETNS:-}" ] && ns=(ip netns exec "$STANDIN_NETNS")
	bg_start standin "${ns[@]}" "$STANDIN_PY" "$STANDIN" --listen "$addr:0" \
		--cert "$D/ca/server.pem" --key "$D/ca/server.key" --keys-file "$D/keys" \
		--record "$D/record.jsonl" --ready-file "$D/standin.ready" "$@" || return 1
	read -r SPORT CPORT < "$D/standin.ready"
	[[ $addr == *:* ]] && addr="[$addr]"
	SURL="https://$addr:$SPORT"
	export SPORT CPORT SURL
}

standin_stop() { pid_stop "$D/standin.pid"; }

# ctl PATH?QUERY: a command to the stand-in's control port (prints its answer).
ctl() {
	local ns=()
	[ -n "${STANDIN_NETNS:-}" ] && ns=(ip netns exec "$STANDIN_NETNS")
	"${ns[@]}" curl -sS --max-time 10 -f "http://127.0.0.1:$CPORT/$1"
}

# scount NAME: one counter of /stats (per endpoint: scount requests.token).
scount() { ctl stats | jq -r ".$1 // 0"; }

# scurl ARGS...: curl to the stand-in, trusting only the test CA.
scurl() { curl -sS --max-time 10 --cacert "$D/ca/ca.pem" "$@"; }

# rec FILTER: the record's lines that FILTER (jq, on each line) selects, as
# compact JSON lines; nrec FILTER counts them.
rec() { jq -c "select($1)" "$D/record.jsonl"; }
nrec() { jq -c "select($1)" "$D/record.jsonl" | wc -l; }

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}
