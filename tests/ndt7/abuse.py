#!/usr/bin/env python3
"""Abusive clients for the ndt7 server (tests/bats/ndt7.bats "abuse" block
and bench/ndt7): floods, idle sockets from one address, measurement floods.
Loopback only; each mode prints one JSON line and exits by itself.

  full-fifo PATH                      hold PATH (a FIFO) open and full, never read
  flood HOST PORT N                   N requests that are refused (404), 20 at a time
  idle HOST PORT N SECONDS [--from A] [--tls-hello]
                                      N idle connections from A for SECONDS: how
                                      many the server kept open at the end
  tests HOST PORT N [--from A]        N downloads at once: statuses, Retry-After
  measurement-flood HOST PORT N SIZE  upgrade, N client measurements of SIZE bytes
  upgrades HOST PORT SECONDS          sequential upgrades (closed at once): per second
  send HOST PORT OPCODE HEX           upgrade, send one frame: the server's close code
"""
import fcntl
import json
import os
import resource
import select
import socket
import ssl
import struct
import sys
import time

F_SETPIPE_SZ = 1031
TLS_CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
TLS_CONTEXT.check_hostname = False
TLS_CONTEXT.verify_mode = ssl.CERT_NONE
KEY = 'dGhlIHNhbXBsZSBub25jZQ=='


def out(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def request(host, target):
    return ('GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n'
            'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n'
            'Sec-WebSocket-Key: %s\r\n'
            'Sec-WebSocket-Protocol: net.measurementlab.ndt.v7\r\n\r\n'
            % (target, host, KEY)).encode()


def connect(host, port, src=None, timeout=10):
    s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((host, port))
    return s


def head(s):
    """The response head, or '' if the server closed first."""
    got = b''
    while b'\r\n\r\n' not in got:
        try:
            d = s.recv(4096)
        except OSError:
            return got.decode('latin1')
        if not d:
            break
        got += d
    return got.decode('latin1')


def frame(opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        h = struct.pack('!BB', 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        h = struct.pack('!BBH', 0x80 | opcode, 0x80 | 126, n)
    else:
        h = struct.pack('!BBQ', 0x80 | opcode, 0x80 | 127, n)
    body = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
    return h + mask + body


def full_fifo(path):
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    fcntl.fcntl(fd, F_SETPIPE_SZ, 4096)
    n = 0
    try:
        while True:
            n += os.write(fd, b'x' * 512)
    except BlockingIOError:
        pass
    out({'filled': n})
    sys.stdout.close()
    while True:
        time.sleep(3600)


def flood(host, port, n):
    """Refused requests, 20 connections at a time."""
    codes = {}
    left, active = n, []
    while left or active:
        while left and len(active) < 20:
            try:
                s = connect(host, port)
                s.sendall(b'GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n')
                active.append(s)
            except OSError as e:
                codes[str(e.errno)] = codes.get(str(e.errno), 0) + 1
            left -= 1
        s = active.pop(0)
        h = head(s)
        code = h[9:12] or 'closed'
        codes[code] = codes.get(code, 0) + 1
        s.close()
    out({'n': n, 'codes': codes})


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))


def open_idle(host, port, src, hello):
    """A connection that sends nothing (or a TLS handshake and nothing)."""
    try:
        s = connect(host, port, src)
        if hello:
            s = TLS_CONTEXT.wrap_socket(s)
        s.setblocking(False)
        return s
    except OSError:
        return None


def idle(host, port, n, seconds, src, hello):
    """Hold n idle connections for seconds: one the server closes is
    opened again half a second later, as an attacker would."""
    raise_nofile(n)
    socks, closed, opened = [], [], 0
    for _ in range(n):
        s = open_idle(host, port, src, hello)
        if s:
            socks.append(s)
            opened += 1
    out({'holding': len(socks)})
    deadline = time.time() + seconds
    while time.time() < deadline:
        ready, _, _ = select.select(socks, [], [], 0.1)
        for s in ready:
            try:
                if s.recv(1) != b'':
                    continue
            except (BlockingIOError, ssl.SSLWantReadError):
                continue
            except OSError:
                pass
            s.close()
            socks.remove(s)
            closed.append(time.time())
        while closed and time.time() - closed[0] >= 0.5 and time.time() < deadline:
            closed.pop(0)
            s = open_idle(host, port, src, hello)
            if s:
                socks.append(s)
                opened += 1
    out({'opened': opened, 'open_at_end': len(socks)})


def tests(host, port, n, src):
    socks, res = [], {'n': n, 'codes': {}, 'retry_after': []}
    for _ in range(n):
        s = connect(host, port, src)
        s.sendall(request(host, '/ndt/v7/download'))
        socks.append(s)
    for s in socks:
        h = head(s)
        code = h[9:12] or 'closed'
        res['codes'][code] = res['codes'].get(code, 0) + 1
        for line in h.split('\r\n'):
            if line.lower().startswith('retry-after:'):
                res['retry_after'].append(line.split(':', 1)[1].strip())
    for s in socks:
        s.close()
    out(res)


def measurement_flood(host, port, n, size):
    s = connect(host, port, timeout=30)
    s.sendall(request(host, '/ndt/v7/upload?flood=1'))
    st = head(s)[9:12]
    pad = 'x' * (size - 40)
    sent = 0
    try:
        for i in range(n):
            msg = json.dumps({'i': i, 'pad': pad}).encode()
            s.sendall(frame(1, msg))
            sent += 1
        s.sendall(frame(8, b'\x03\xe8'))
        while s.recv(65536):
            pass
    except OSError:
        pass
    out({'status': int(st or 0), 'sent': sent, 'port': s.getsockname()[1]})


def upgrades(host, port, seconds):
    t0, n, refused = time.time(), 0, 0
    while time.time() - t0 < seconds:
        s = connect(host, port)
        s.sendall(request(host, '/ndt/v7/download?bench=1'))
        h = head(s)
        if h[9:12] == '101':
            n += 1
            s.sendall(frame(8, b'\x03\xe8'))
        else:
            refused += 1
        s.close()
    out({'upgrades': n, 'refused': refused, 'per_second': n / (time.time() - t0)})


def send(host, port, opcode, payload):
    """One frame after the upgrade; the close code the server answers."""
    s = connect(host, port)
    s.sendall(request(host, '/ndt/v7/upload'))
    st, buf = head(s)[9:12], b''
    s.sendall(frame(opcode, payload))
    code = None
    try:
        while code is None:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            while len(buf) >= 2:
                n, off = buf[1] & 0x7f, 2
                if n == 126:
                    n, off = struct.unpack('!H', buf[2:4])[0], 4
                elif n == 127:
                    n, off = struct.unpack('!Q', buf[2:10])[0], 10
                if len(buf) < off + n:
                    break
                if buf[0] & 0x0f == 8:
                    code = struct.unpack('!H', buf[off:off + 2])[0] if n >= 2 else 0
                buf = buf[off + n:]
    except OSError:
        pass
    out({'status': int(st or 0), 'closeCode': code})


def main(argv):
    cmd, args = argv[1], argv[2:]
    src = args[args.index('--from') + 1] if '--from' in args else None
    if cmd == 'full-fifo':
        full_fifo(args[0])
    elif cmd == 'flood':
        flood(args[0], int(args[1]), int(args[2]))
    elif cmd == 'idle':
        idle(args[0], int(args[1]), int(args[2]), float(args[3]), src, '--tls-hello' in args)
    elif cmd == 'tests':
        tests(args[0], int(args[1]), int(args[2]), src)
    elif cmd == 'measurement-flood':
        measurement_flood(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif cmd == 'send':
        send(args[0], int(args[1]), int(args[2], 0), bytes.fromhex(args[3]))
    elif cmd == 'upgrades':
        upgrades(args[0], int(args[1]), float(args[2]))
    else:
        sys.exit('abuse.py: unknown mode %s' % cmd)


if __name__ == '__main__':
    main(sys.argv)
