# Helpers for the uploader's tests: a throwaway service-account key, the
# stand-in for Google's token endpoint and GCS (tests/uploader/standin_gcs.py)
# started and stopped by its pid, its control port.
# Needs: $D (a directory of the test's own), openssl, curl, jq.
# shellcheck source=tests/platform/lib.bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../platform/lib.bash"

GCS_STANDIN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/standin_gcs.py

# make_sa FILE [EMAIL]: a service account's JSON key (RSA 2048, mode 0600)
# shaped like Google's (and autojoin's Credentials.ServiceAccountKey).
make_sa() {
	local f=$1 email=${2:-autonode-org1@mlab-sandbox.iam.gserviceaccount.com}
	(
		umask 077
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$f.pem" 2> /dev/null
		jq -n --rawfile pk "$f.pem" --arg email "$email" '{type: "service_account",
			project_id: "mlab-sandbox", private_key_id: "0123abcd", private_key: $pk,
			client_email: $email, client_id: "1234567890",
			token_uri: "https://oauth2.googleapis.com/token"}' > "$f"
		rm -f "$f.pem"
	)
}

# gcs_start [ARGS...]: the stand-in on 127.0.0.1 with the CA of $D/ca, the
# account $D/sa.json, PUT token $D/put-token, objects under $D/store; sets
# GPORT (TLS), GCPORT (control), GURL.
gcs_start() {
	bg_start gcs "$STANDIN_PY" "$GCS_STANDIN" --listen 127.0.0.1:0 --cert "$D/ca/server.pem" \
		--key "$D/ca/server.key" --service-account "$D/sa.json" \
		--put-token-file "$D/put-token" --store "$D/store" --record "$D/record.jsonl" \
		--ready-file "$D/gcs.ready" "$@" || return 1
	read -r GPORT GCPORT < "$D/gcs.ready"
	GURL="https://127.0.0.1:$GPORT"
	export GPORT GCPORT GURL
}

gcs_stop() { pid_stop "$D/gcs.pid"; }

# gctl PATH?QUERY: a command to the stand-in's control port.
gctl() { curl -sS --max-time 10 -f "http://127.0.0.1:$GCPORT/$1"; }

# gcount NAME: one counter of /stats (gcount requests.token).
gcount() { gctl stats | jq -r ".$1 // 0"; }
