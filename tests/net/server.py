#!/usr/bin/python3
"""Stand-in servers for tests/bats/net-client.bats (lib/net's clients):
HTTPS with a few paths, or a WebSocket server over TLS (Debian's
python3-websockets). Prints "ready" when listening.
  server.py https PORT CERT KEY
  server.py wss PORT CERT KEY
HTTPS paths: /ok (200, Content-Length), /chunked, /redirect (302),
/big (100000 bytes), /stall (sends nothing for 30 s).
WebSocket paths: /echo (replies with each message), /close (closes with
4001 "bye"), /deny (401 on the upgrade), /ping (pings, replies "pong
received" once the pong came), /frag (replies in three fragments), /big (a
100000-byte reply), /silent (never replies)."""
import asyncio
import http
import http.server
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send_body(self, status, body, extra=()):
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/ok":
            self.send_body(200, b"hello from the stand-in\n")
        elif self.path == "/redirect":
            self.send_body(302, b"", [("Location", "https://127.0.0.1:1/elsewhere")])
        elif self.path == "/big":
            self.send_body(200, b"x" * 100000)
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"first ", b"second ", b"third\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
                time.sleep(0.05)
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/stall":
            time.sleep(30)
        else:
            self.send_body(404, b"no such path\n")

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.send_body(201, b"got " + body)

    def log_message(self, *args):
        pass


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def serve_https(port, ctx):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("ready", flush=True)
    srv.serve_forever()


async def serve_wss(port, ctx):
    import websockets

    async def refuse(path, headers):
        if path == "/deny":
            return http.HTTPStatus.UNAUTHORIZED, [], b"no token\n"
        return None

    async def handler(ws, path):
        if path == "/close":
            await ws.recv()
            await ws.close(4001, "bye")
            return
        msg = await ws.recv()
        if path == "/ping":
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, 5)
            await ws.send("pong received")
        elif path == "/frag":
            await ws.send(["one ", "two ", msg])
        elif path == "/big":
            await ws.send("y" * 100000)
        elif path == "/silent":
            await asyncio.sleep(30)
            return
        else:
            await ws.send(msg)
        async for msg in ws:
            await ws.send(msg)

    async with websockets.serve(handler, "127.0.0.1", port, ssl=ctx, process_request=refuse):
        print("ready", flush=True)
        await asyncio.Future()


def main():
    mode, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ctx = tls_context(cert, key)
    if mode == "https":
        serve_https(port, ctx)
    else:
        asyncio.run(serve_wss(port, ctx))


if __name__ == "__main__":
    main()
