// Raw clients for the negative and load tests of tests/bats/ndt7.bats
// (Node built-ins and `ws` only). Each prints one JSON line.
//   status HOST PORT TARGET [--tls CA] [--no-protocol]  HTTP status of an upgrade
//   binary HOST PORT                 download, then send a binary message
//   garbage HOST PORT                upgrade, then send bytes that are no frames
//   stall-request HOST PORT [--tls]  send half a request (or no TLS hello), wait
//   stall-test HOST PORT SECONDS PORTFILE  download without reading for SECONDS
//   quick HOST PORT N                N upgrades closed right away by the client
//   many HOST PORT N [wss]           N concurrent downloads with `ws`
'use strict';
const net = require('net');
const tls = require('tls');
const fs = require('fs');
const crypto = require('crypto');

const [cmd, host, portStr, ...rest] = process.argv.slice(2);
const port = Number(portStr);
const t0 = Date.now();
const secs = () => (Date.now() - t0) / 1000;
const out = (o) => { process.stdout.write(JSON.stringify(o) + '\n'); };
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function request(target, protocol = true) {
  return `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\n` +
    'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
    `Sec-WebSocket-Key: ${KEY}\r\n` +
    (protocol ? 'Sec-WebSocket-Protocol: net.measurementlab.ndt.v7\r\n' : '') + '\r\n';
}

function connect(useTls, ca) {
  const h = host.replace(/^\[|\]$/g, '');
  return useTls ? tls.connect({ host: h, port, ca: ca ? fs.readFileSync(ca) : undefined,
    servername: net.isIP(h) ? undefined : h }) : net.connect({ host: h, port });
}

// A masked client frame.
function frame(opcode, payload) {
  const mask = crypto.randomBytes(4);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n]) :
    Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 255]);
  const body = Buffer.from(payload);
  for (let i = 0; i < n; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

// Parse server frames from a growing buffer; calls onFrame(opcode, payload).
function frameReader(onFrame) {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (buf.length < 2) return;
      let len = buf[1] & 0x7f; let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      if (buf.length < off + len) return;
      onFrame(buf[0] & 0x0f, buf.subarray(off, off + len));
      buf = buf.subarray(off + len);
    }
  };
}

// Upgrade, then hand the socket and leftover bytes to then().
function upgrade(useTls, target, then) {
  const s = connect(useTls);
  let head = Buffer.alloc(0);
  const onData = (d) => {
    head = Buffer.concat([head, d]);
    const i = head.indexOf('\r\n\r\n');
    if (i < 0) return;
    s.removeListener('data', onData);
    const status = Number(head.toString('latin1', 9, 12));
    then(s, status, head.subarray(i + 4));
  };
  s.on('connect', () => s.write(request(target)));
  s.on('secureConnect', () => s.write(request(target)));
  s.on('data', onData);
  return s;
}

function status() {
  const target = rest[0];
  const ti = rest.indexOf('--tls');
  const s = connect(ti >= 0, ti >= 0 ? rest[ti + 1] : null);
  const ev = ti >= 0 ? 'secureConnect' : 'connect';
  let got = '';
  s.on(ev, () => s.write(request(target, !rest.includes('--no-protocol'))));
  s.on('data', (d) => {
    got += d.toString('latin1');
    if (got.includes('\r\n\r\n')) {
      out({ status: Number(got.slice(9, 12)), head: got.split('\r\n')[0],
        protocol: /\r\nSec-WebSocket-Protocol: net\.measurementlab\.ndt\.v7\r\n/.test(got) });
      s.destroy();
      process.exit(0);
    }
  });
  s.on('error', (e) => { out({ error: e.code || String(e) }); process.exit(1); });
}

// After upgrading, send bad, then report the close code and when the
// connection ended.
function misbehave(bad) {
  const r = { closeCode: null, binaryBytes: 0 };
  upgrade(false, '/ndt/v7/download', (s, st, rest0) => {
    r.status = st;
    const read = frameReader((op, p) => {
      if (op === 2) r.binaryBytes += p.length;
      if (op === 8) r.closeCode = p.length >= 2 ? p.readUInt16BE(0) : 0;
    });
    s.on('data', read);
    read(rest0);
    setTimeout(() => { r.sentAt = secs(); s.write(bad); }, 300);
    s.on('close', () => { r.endedAt = secs(); out(r); process.exit(0); });
    s.on('error', (e) => { r.error = e.code; });
  });
}

function stallRequest() {
  const useTls = rest.includes('--tls');
  const s = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
  s.on('connect', () => { if (!useTls) s.write('GET /ndt/v7/download HTTP/1.1\r\nHost: x\r\n'); });
  s.on('data', () => {});
  s.on('close', () => { out({ closedAfter: secs() }); process.exit(0); });
  s.on('error', () => {});
}

function stallTest() {
  const [seconds, portFile] = rest;
  upgrade(false, '/ndt/v7/download', (s, st) => {
    s.pause();	// read nothing more: the server's buffers fill up
    fs.writeFileSync(portFile, `${s.localPort}\n`);
    setTimeout(() => { out({ status: st, localPort: s.localPort }); process.exit(0); },
      Number(seconds) * 1000);
  });
}

function quick() {
  let left = Number(rest[0]); const codes = [];
  const one = () => upgrade(false, '/ndt/v7/download?quick=1', (s, st) => {
    s.on('data', () => {});
    s.write(frame(8, Buffer.from([0x03, 0xe8])));
    s.on('close', () => { codes.push(st); if (--left > 0) one(); else { out({ codes }); process.exit(0); } });
    s.on('error', () => {});
  });
  one();
}

function many() {
  const WebSocket = require('ws');
  const n = Number(rest[0]); const results = [];
  const scheme = rest[1] === 'wss' ? 'wss' : 'ws';
  for (let i = 0; i < n; i++) {
    const r = { bytes: 0, texts: 0, code: null, tcpinfo: false };
    const ws = new WebSocket(`${scheme}://${host}:${port}/ndt/v7/download?i=${i}`, 'net.measurementlab.ndt.v7');
    ws.on('message', (d, isBinary) => {
      if (isBinary) { r.bytes += d.length; return; }
      r.texts++;
      try { r.tcpinfo = r.tcpinfo || JSON.parse(d).TCPInfo.BytesAcked > 0; } catch (e) { r.bad = true; }
    });
    ws.on('error', (e) => { r.error = String(e); });
    ws.on('close', (code) => {
      r.code = code; r.at = secs(); results.push(r);
      if (results.length === n) {
        const ok = results.filter((x) => x.code === 1000 && x.bytes > 0 && x.texts > 0 && x.tcpinfo && !x.bad);
        out({ n, ok: ok.length, last: Math.max(...results.map((x) => x.at)),
          bytes: results.reduce((a, x) => a + x.bytes, 0),
          failed: results.filter((x) => !ok.includes(x)).slice(0, 3) });
        process.exit(0);
      }
    });
  }
}

const cmds = {
  status, stall: stallRequest, 'stall-request': stallRequest, 'stall-test': stallTest, quick, many,
  binary: () => misbehave(frame(2, Buffer.alloc(100))),
  garbage: () => misbehave(Buffer.from('this is not a websocket frame\r\n')),
};
if (!cmds[cmd]) { console.error(`raw.js: unknown command ${cmd}`); process.exit(2); }
cmds[cmd]();
