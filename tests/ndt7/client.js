// Run M-Lab's @m-lab/ndt7 client against one server and print one JSON
// line: {"download": {...}, "upload": {...}} with each test's return code,
// errors, first and last server measurement and the client's last one.
// Usage: node -r ./ws-global.js client.js HOST:PORT ws|wss download|upload|both
// With NDT7_ACCESS_TOKEN set, the URLs carry it as access_token, as the URLs
// M-Lab's Locate service hands out do.
'use strict';
const path = require('path');
const ndt7 = require('@m-lab/ndt7');

const [server, protocol, which] = process.argv.slice(2);
const src = path.dirname(require.resolve('@m-lab/ndt7'));
const config = {
  server, protocol,
  userAcceptedDataPolicy: true,
  metadata: { client_name: 'fathom-bats' },
  downloadworkerfile: path.join(src, 'ndt7-download-worker.js'),
  uploadworkerfile: path.join(src, 'ndt7-upload-worker.js'),
};

function recorder(name, out) {
  const r = { errors: [], firstServer: null, serverMeasurements: 0 };
  out[name] = r;
  const cap = name[0].toUpperCase() + name.slice(1);
  return {
    error: (e) => r.errors.push(String(e)),
    [name + 'Start']: () => { r.started = true; },
    [name + 'Measurement']: (m) => {
      if (m.Source === 'server') {
        r.serverMeasurements++;
        if (!r.firstServer) r.firstServer = m.Data;
      }
    },
    [name + 'Complete']: (d) => { r.complete = d; },
    cap,
  };
}

(async () => {
  const out = {};
  const urls = await ndt7.discoverServerURLs(config, {});
  if (process.env.NDT7_ACCESS_TOKEN) {
    for (const k of Object.keys(urls)) {
      const u = new URL(urls[k]);
      u.searchParams.set('access_token', process.env.NDT7_ACCESS_TOKEN);
      urls[k] = u.toString();
    }
  }
  for (const name of which === 'both' ? ['download', 'upload'] : [which]) {
    const cb = recorder(name, out);
    const fn = name === 'download' ? ndt7.downloadTest : ndt7.uploadTest;
    const t0 = Date.now();
    out[name].rc = await fn(config, cb, Promise.resolve(urls));
    out[name].seconds = (Date.now() - t0) / 1000;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
})().catch((e) => {
  process.stdout.write(JSON.stringify({ fatal: String(e) }) + '\n');
  process.exit(1);
});
