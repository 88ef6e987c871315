// Preloaded with `node -r` (also into worker threads, which inherit
// execArgv): the browser globals @m-lab/ndt7 expects, from npm packages.
'use strict';
if (typeof globalThis.WebSocket === 'undefined' || !globalThis.WebSocket.__fathom) {
  const WS = require('ws');
  WS.__fathom = true;
  globalThis.WebSocket = WS;
}
if (typeof globalThis.Worker === 'undefined') {
  globalThis.Worker = require('web-worker');
}
