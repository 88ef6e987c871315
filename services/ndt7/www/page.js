// The test page of Fathom's ndt7 server: runs M-Lab's ndt7-js (ndt7.js,
// window.ndt7) against the server that served the page, ws: on an http
// page and wss: on an https one, and shows the results. The final numbers
// are in #download, #upload, #minrtt and, as JSON, in #summary, whose
// "state" is "done" or "failed" at the end (tests/bats/ndt7-browser.bats
// reads them). "?autostart" starts the test on load.
'use strict';
(function() {
  const $ = (id) => document.getElementById(id);
  const mbps = (bytes, seconds) => seconds > 0 ? bytes * 8 / seconds / 1e6 : null;
  const result = {
    state: 'idle', server: location.host,
    protocol: location.protocol === 'https:' ? 'wss' : 'ws',
    download_mbps: null, upload_mbps: null, min_rtt_ms: null, errors: [],
  };

  function show() {
    const num = (x) => typeof x !== 'number' || !isFinite(x) ? '–' :
      x >= 10 ? x.toFixed(1) : x.toPrecision(2);
    $('download').textContent = num(result.download_mbps);
    $('upload').textContent = num(result.upload_mbps);
    $('minrtt').textContent = num(result.min_rtt_ms);
    $('summary').textContent = JSON.stringify(result, null, 1);
    if (result.errors.length) {
      $('error').hidden = false;
      $('error').textContent = 'Error: ' + result.errors.join('; ');
    }
  }

  function status(text) {
    $('status').textContent = text;
  }

  // The server's measurement: Mb/s it received (upload), min RTT in ms.
  function fromServer(m) {
    const tcp = m && m.TCPInfo;
    if (tcp && tcp.MinRTT > 0) {
      result.min_rtt_ms = tcp.MinRTT / 1000;
    }
    return tcp ? mbps(tcp.BytesReceived, tcp.ElapsedTime / 1e6) : null;
  }

  async function run() {
    if (result.state === 'running') {
      return;
    }
    $('start').disabled = true;
    Object.assign(result, {
      state: 'running', download_mbps: null, upload_mbps: null, min_rtt_ms: null, errors: [],
    });
    status('Download running…');
    show();
    let rc = -1;
    let phase = 'download';
    const failed = (err) => result.errors.push(phase + ': ' + (String(err) === 'error' ?
      'the WebSocket connection to this server failed' : String(err)));
    const config = {
      server: location.host,
      protocol: result.protocol,
      userAcceptedDataPolicy: true,
      downloadworkerfile: 'ndt7-download-worker.js',
      uploadworkerfile: 'ndt7-upload-worker.js',
      metadata: {client_name: 'fathom-ndt7-page', client_version: '1'},
    };
    const callbacks = {
      error: failed,
      downloadMeasurement: (m) => {
        if (m.Source === 'client') {
          result.download_mbps = m.Data.MeanClientMbps;
        } else {
          fromServer(m.Data);
        }
        show();
      },
      downloadComplete: (d) => {
        result.download_mbps = d.LastClientMeasurement ?
          d.LastClientMeasurement.MeanClientMbps : result.download_mbps;
        fromServer(d.LastServerMeasurement);
        show();
      },
      uploadMeasurement: (m) => {
        if (m.Source === 'server') {
          const minRtt = result.min_rtt_ms;
          result.upload_mbps = fromServer(m.Data);
          result.min_rtt_ms = minRtt;  // the download's counts
          show();
        }
      },
    };
    try {
      // This server itself: no Locate.
      const urls = window.ndt7.discoverServerURLs(config, callbacks);
      const down = await window.ndt7.downloadTest(config, callbacks, urls);
      phase = 'upload';
      status('Upload running…');
      const up = await window.ndt7.uploadTest(config, callbacks, urls);
      rc = (down === undefined ? 1 : down) + (up === undefined ? 16 : up);
    } catch (err) {
      failed(err);
    }
    const ok = rc === 0 && result.errors.length === 0 &&
      result.download_mbps > 0 && result.upload_mbps > 0;
    if (!ok && result.errors.length === 0) {
      result.errors.push(rc !== 0 ? 'the test ended with code ' + rc :
        'no ' + (result.download_mbps > 0 ? 'upload' : 'download') + ' result');
    }
    result.state = ok ? 'done' : 'failed';
    status(ok ? 'Done.' : 'The test failed.');
    show();
    $('start').disabled = false;
  }

  $('start').addEventListener('click', run);
  show();
  if (new URLSearchParams(location.search).has('autostart')) {
    run();
  }
})();
