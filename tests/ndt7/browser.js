// Drive a running Chromium over the DevTools protocol (tests/bats/ndt7-browser.bats):
// open URL in its page, wait until the test page says it is over (#summary's
// "state" is "done" or "failed"), and print one JSON line: the summary, the
// numbers the page shows, and what the browser logged (console errors,
// exceptions, CSP violations). Exit 0 when the page finished, 1 otherwise.
// Usage: node browser.js DEVTOOLS_PORT URL TIMEOUT_SECONDS [SCREENSHOT.png]
// Needs the npm package ws (NODE_PATH from tests/ndt7/install-client).
'use strict';
const WebSocket = require('ws');
const fs = require('fs');

const [port, url, timeoutS, shot] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutS) * 1000;
const logged = [];

async function pageSocket() {
  for (;;) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      const page = list.find((t) => t.type === 'page');
      if (page) {
        return page.webSocketDebuggerUrl;
      }
    } catch (e) {
      // not up yet
    }
    if (Date.now() > deadline) {
      throw new Error(`no page target on DevTools port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  const ws = new WebSocket(await pageSocket(), {perMessageDeflate: false});
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  const waiting = new Map();
  ws.on('message', (raw) => {
    const m = JSON.parse(raw);
    if (m.id && waiting.has(m.id)) {
      waiting.get(m.id)(m);
      waiting.delete(m.id);
    } else if (m.method === 'Runtime.exceptionThrown') {
      const d = m.params.exceptionDetails;
      logged.push({kind: 'exception', text: (d.exception && d.exception.description) || d.text});
    } else if (m.method === 'Runtime.consoleAPICalled' && m.params.type === 'error') {
      logged.push({kind: 'console', text: m.params.args.map((a) => a.value).join(' ')});
    } else if (m.method === 'Log.entryAdded' &&
               ['error', 'warning'].includes(m.params.entry.level)) {
      logged.push({kind: 'log', source: m.params.entry.source, url: m.params.entry.url,
        text: m.params.entry.text});
    }
  });
  const send = (method, params = {}) => new Promise((resolve) => {
    const n = ++id;
    waiting.set(n, resolve);
    ws.send(JSON.stringify({id: n, method, params}));
  });
  const evaluate = async (expr) => {
    const r = await send('Runtime.evaluate', {expression: expr, returnByValue: true});
    return r.result && r.result.result ? r.result.result.value : undefined;
  };
  await send('Runtime.enable');
  await send('Log.enable');
  await send('Page.enable');
  await send('Page.navigate', {url});
  let out = {url, finished: false};
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    const v = await evaluate(`(() => {
      const t = (id) => { const e = document.getElementById(id); return e ? e.textContent : null; };
      return {summary: t('summary'), download: t('download'), upload: t('upload'),
        minrtt: t('minrtt'), status: t('status'), error: t('error')};
    })()`);
    if (!v || !v.summary) {
      continue;
    }
    out = Object.assign({url, finished: false}, v, {summary: JSON.parse(v.summary)});
    if (out.summary.state === 'done' || out.summary.state === 'failed') {
      out.finished = true;
      break;
    }
  }
  if (shot) {
    const r = await send('Page.captureScreenshot', {format: 'png'});
    if (r.result) {
      fs.writeFileSync(shot, Buffer.from(r.result.data, 'base64'));
    }
  }
  out.logged = logged;
  console.log(JSON.stringify(out));
  ws.close();
  process.exit(out.finished ? 0 : 1);
}

main().catch((e) => {
  console.log(JSON.stringify({url, finished: false, error: String(e), logged}));
  process.exit(1);
});
