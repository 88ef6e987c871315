#!/usr/bin/env bats
# The ndt7 server's test page (services/ndt7/www, docs/ndt7.md "The test
# page") in a real browser: headless Chromium (Debian's chromium) opens the
# page over http and https, M-Lab's ndt7-js runs download and upload over ws
# and wss, and the results are read back from the page over the DevTools
# protocol (tests/ndt7/browser.js). Also the page's HTTP side with curl.
# Loopback only; the server and Chromium are stopped by their pids.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'
load '../ndt7/assert'
load '../ndt7/server'

# start_chromium NAME: headless Chromium in a session of its own (so that
# its helper processes go with it), DevTools on a port it picks, written to
# $D/chrome-NAME/DevToolsActivePort; its pid in $D/chrome.pid. As root (CI)
# it needs --no-sandbox; the self-signed certificate is accepted for wss.
start_chromium() {
	dir=$D/chrome-$1
	mkdir -p "$dir"
	setsid chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--ignore-certificate-errors --no-first-run --no-default-browser-check \
		--disable-background-networking --disable-component-update --disable-sync \
		--window-size=900,1000 --user-data-dir="$dir" --remote-debugging-port=0 \
		about:blank > "$D/chrome-$1.log" 2>&1 3>&- &
	echo $! > "$D/chrome.pid"
	for _ in $(seq 150); do
		[ -s "$dir/DevToolsActivePort" ] && { head -n1 "$dir/DevToolsActivePort"; return 0; }
		kill -0 "$(cat "$D/chrome.pid")" 2> /dev/null || break
		sleep 0.2
	done
	echo "chromium did not start its DevTools server; its log:" >&2
	cat "$D/chrome-$1.log" >&2
	return 1
}

# Chromium and its helpers: its process group (setsid made it the leader)
# if it has one of its own, else the pid alone.
stop_chromium() {
	pid=$(cat "$D/chrome.pid" 2> /dev/null) || return 0
	target=$pid
	[ "$(ps -o pgid= -p "$pid" 2> /dev/null | tr -d ' ')" = "$pid" ] && target=-$pid
	kill -TERM -- "$target" 2> /dev/null || true
	for _ in $(seq 50); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	kill -KILL -- "$target" 2> /dev/null || true
	rm -f "$D/chrome.pid"
}

setup_file() {
	ndt7_setup_file ndt7 ndt7-www
	# What the image has in /usr/share/ndt7/www: ours and M-Lab's ndt7-js.
	mkdir -p "$D/www" "$D/spool" "$D/state"
	cp "$TOP"/services/ndt7/www/* "$OUTDIR/build/$BOARD"/ndt7-www/*.js "$D/www/"
	# The npm package ws, for the DevTools client (tests/ndt7/install-client).
	for _ in 1 2 3; do
		read -r WS WSS WS2 <<-EOF
		$(free_ports)
		EOF
		start_server main --ws-port "$WS" --wss-port "$WSS" --listen 127.0.0.1 \
			--state-dir "$D/state" --spool-dir "$D/spool" --workers 2 \
			--www-dir "$D/www" --verbose && break
		stop_server main
	done
	export WS WSS WS2
	[ -e "$D/main.pid" ]
}

teardown() {
	stop_chromium
}

teardown_file() {
	stop_chromium
	stop_server main
	stop_server nopage
}

# records download|upload: how many records of that test the spool holds.
records() {
	find "$D/spool" -name "ndt7-$1-*.json*" | wc -l
}

# page_run http|https PORT: Chromium opens the page with ?autostart and
# waits (60 s at most) until it says the test is over; $output: the
# driver's JSON line. Checks the numbers, that nothing was logged (no CSP
# violation, no exception), and one new record per test. One line is not
# ours and is timing: Chromium's warning when M-Lab's upload worker sends
# once more after the server closed the upload at its end (ndt7-js keeps
# sending until it sees the close).
page_run() {
	command -v chromium > /dev/null ||
		skip "chromium is not installed: scripts/deps could not install Debian's chromium (see its output); this test needs it"
	down=$(records download)
	up=$(records upload)
	port=$(start_chromium "$1")
	run timeout 90 node "$TOP/tests/ndt7/browser.js" "$port" "$1://127.0.0.1:$2/?autostart" 60 \
		"$D/page-$1.png"
	echo "$output" | head -c 4000 >&2
	assert_success
	echo "$output" | jq -e --arg p "$3" '.finished and .summary.state == "done" and
		.summary.protocol == $p and (.summary.errors | length) == 0 and
		.summary.download_mbps > 0 and .summary.upload_mbps > 0 and .summary.min_rtt_ms > 0 and
		(.download | tonumber) > 0 and (.upload | tonumber) > 0 and .status == "Done." and
		.error == "" and ([.logged[] | select(.source != "worker" or
			.text != "WebSocket is already in CLOSING or CLOSED state.")] | length) == 0' > /dev/null
	stop_chromium
	# The page's own requests (the HTML, the scripts, the workers) are not
	# tests: exactly one download and one upload record more.
	sleep 1
	[ "$(records download)" -eq $((down + 1)) ]
	[ "$(records upload)" -eq $((up + 1)) ]
	newest=$(find "$D/spool" -name 'ndt7-upload-*.json*' -newer "$D/chrome-$1/DevToolsActivePort")
	jq -e '.Upload.ClientMetadata | map(select(.Name == "client_name"))[0].Value ==
		"fathom-ndt7-page"' "$newest" > /dev/null
}

@test "the page's files: headers, HEAD, 404 for other paths, 405 for other methods, no records" {
	before=$(( $(records download) + $(records upload) ))
	run curl -sS -D "$D/h" -o "$D/index" --max-time 10 "http://127.0.0.1:$WS/"
	assert_success
	grep -q '^HTTP/1.1 200 OK' "$D/h"
	grep -qi '^Content-Type: text/html; charset=utf-8' "$D/h"
	grep -qi "^Content-Length: $(wc -c < "$TOP/services/ndt7/www/index.html")" "$D/h"
	grep -qi '^X-Content-Type-Options: nosniff' "$D/h"
	grep -qi '^Cache-Control: no-cache' "$D/h"
	grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'; worker-src 'self'; connect-src 'self';" "$D/h"
	cmp "$D/index" "$TOP/services/ndt7/www/index.html"
	for f in ndt7.js ndt7-download-worker.js ndt7-upload-worker.js page.js; do
		curl -sSk --max-time 10 -D "$D/h" -o "$D/$f" "https://127.0.0.1:$WSS/$f"
		grep -qi '^Content-Type: text/javascript; charset=utf-8' "$D/h"
		cmp "$D/$f" "$D/www/$f"
	done
	grep -q 'window.ndt7 = ndt7' "$D/ndt7.js"	# M-Lab's, from npm
	run curl -sS -I --max-time 10 "http://127.0.0.1:$WS/index.html"
	assert_output --partial 'HTTP/1.1 200 OK'
	assert_output --partial "Content-Length: $(wc -c < "$TOP/services/ndt7/www/index.html")"
	run curl -sS -o /dev/null -w '%{http_code} %{size_download}' --max-time 10 -I "http://127.0.0.1:$WS/"
	assert_output '200 0'
	for path in /favicon.ico /.well-known/acme-challenge/x /../services/ndt7/www/index.html \
		/%2e%2e/index.html //index.html '/ndt7.js/' /LICENSE.ndt7-js; do
		run curl -sS --path-as-is -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$WS$path"
		assert_output '404'
	done
	run curl -sS -D "$D/h" -o /dev/null -w '%{http_code}' --max-time 10 -X POST "http://127.0.0.1:$WS/"
	assert_output '405'
	grep -qi '^Allow: GET, HEAD' "$D/h"
	run curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -X DELETE "http://127.0.0.1:$WS/ndt7.js"
	assert_output '405'
	# A browser's WebSocket to / is no test: 404, like any other path.
	run curl -sS -o /dev/null -w '%{http_code}' --max-time 10 -H 'Upgrade: websocket' \
		-H 'Connection: Upgrade' "http://127.0.0.1:$WS/"
	assert_output '404'
	grep -q "test page: 6 files from $D/www" "$D/main.log"
	grep -q 'GET page.js to 127.0.0.1:' "$D/main.log"
	[ $(( $(records download) + $(records upload) )) -eq "$before" ]
}

@test "without the page's directory the server says so once and answers 404 at /" {
	start_server nopage --ws-port "$WS2" --wss-port 0 --listen 127.0.0.1 --workers 2 \
		--state-dir "$D/state" --spool-dir "$D/spool" --www-dir "$D/no-such-dir"
	[ "$(grep -c 'test page' "$D/nopage.log")" -eq 1 ]
	grep -q "test page: $D/no-such-dir: No such file or directory; this server serves no page (--www-dir)" "$D/nopage.log"
	run curl -sS --max-time 10 -w ' %{http_code}' "http://127.0.0.1:$WS2/"
	assert_output 'ndt7: this server has no test page (--www-dir)
 404'
	stop_server nopage
}

@test "Chromium runs M-Lab's ndt7-js from the page over http and ws: download and upload, one record each" {
	page_run http "$WS" ws
}

@test "Chromium runs M-Lab's ndt7-js from the page over https and wss (self-signed certificate accepted)" {
	page_run https "$WSS" wss
}
