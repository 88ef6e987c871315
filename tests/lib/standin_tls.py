"""What the tests' HTTPS stand-ins share (tests/platform/standin.py,
tests/uploader/standin_gcs.py): the TLS listener, the handler's basics,
the record of what was received, counters and injected faults, the
control port's common commands, and the command line's common options.
A stand-in adds its endpoints and its own control commands.
"""
import json, os, socket, ssl, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    """Faults, counters and the record (JSON lines, mode 0600), for every thread."""

    def __init__(self, args, stats):
        self.args = args
        self.lock = threading.Lock()
        self.faults = []  # [dict(endpoint, kind, count, seconds, delay)]
        self.stats = dict(stats, requests={})
        self.record_f = open(args.record, "a", buffering=1)
        os.chmod(args.record, 0o600)

    def record(self, **kv):
        kv["t"] = round(time.time(), 3)
        with self.lock:
            self.record_f.write(json.dumps(kv, sort_keys=True) + "\n")

    def count(self, name, n=1):
        with self.lock:
            self.stats[name] = self.stats.get(name, 0) + n

    def take_fault(self, endpoint):
        """Counts the request; the fault it meets (a copy), if any."""
        with self.lock:
            self.stats["requests"][endpoint] = self.stats["requests"].get(endpoint, 0) + 1
            for f in self.faults:
                if f["endpoint"] in (endpoint, "any"):
                    if f["count"] > 0:
                        f["count"] -= 1
                        if f["count"] == 0:
                            self.faults.remove(f)
                    return dict(f)
        return None


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 over TLS (handshake in the handler's thread), quiet."""
    protocol_version = "HTTP/1.1"
    io_timeout = 15

    def log_message(self, fmt, *a):
        pass

    def setup(self):
        self.request.settimeout(self.io_timeout)
        self.request.do_handshake()
        super().setup()

    def reply(self, status, body, ctype="application/json"):
        data = (json.dumps(body, indent=1) if ctype == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return status


class Server(ThreadingHTTPServer):
    """Wraps each connection in TLS (ctx), the handshake left to the handler."""
    daemon_threads = True
    allow_reuse_address = True

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True,
                                    do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # clients that hang up, fail TLS, resets: nothing to report


def serve_tls(addr, port, handler, st, ctx):
    """A Server on ADDR (IPv4 or IPv6) and PORT (0: any) in a thread of its own."""
    cls = type("Server", (Server,), {
        "address_family": socket.AF_INET6 if ":" in addr else socket.AF_INET})
    srv = cls((addr, port), handler)
    srv.st, srv.ctx = st, ctx
    threading.Thread(target=srv.serve_forever, args=(0.1,), daemon=True).start()
    return srv


class Control(BaseHTTPRequestHandler):
    """The control port (plain HTTP, 127.0.0.1): /fault, /clear, /stats, and
    what the stand-in's other_command(path, q) takes (a reply text, or None: unknown).
    The stand-in sets usage (its CONTROL text), endpoints and kinds."""
    usage, endpoints, kinds = "", (), ()

    def log_message(self, fmt, *a):
        pass

    def other_command(self, path, q):
        return None

    def do_GET(self):
        st = self.server.st
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        status, out = 200, "ok\n"
        try:
            if url.path == "/fault":
                assert q["endpoint"] in tuple(self.endpoints) + ("any",), "endpoint"
                assert q["kind"] in self.kinds, "kind"
                with st.lock:
                    st.faults.append({"endpoint": q["endpoint"], "kind": q["kind"],
                                      "count": int(q.get("count", 1)),
                                      "seconds": float(q.get("seconds", 120)),
                                      "delay": float(q.get("delay", 0))})
            elif url.path == "/clear":
                with st.lock:
                    st.faults.clear()
            elif url.path == "/stats":
                with st.lock:
                    out = json.dumps(st.stats, sort_keys=True) + "\n"
            else:
                out = self.other_command(url.path, q)
                if out is None:
                    status, out = 404, self.usage
        except (KeyError, ValueError, AssertionError) as e:
            status, out = 400, "bad parameter %s\n%s" % (e, self.usage)
        data = out.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET


def add_common_args(p):
    """The options every stand-in has."""
    p.add_argument("--listen", required=True, help="ADDR:PORT (PORT 0: any); IPv6 as [A]:P")
    p.add_argument("--control", default="127.0.0.1:0", help="ADDR:PORT of the control port")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--record", required=True, help="JSON lines of what was received")
    p.add_argument("--ready-file", help="written with 'PORT CONTROL_PORT' when serving")


def tls_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    return ctx


def listen_addr(args):
    """(ADDR, PORT) of --listen, without an IPv6 address's brackets."""
    addr, port = args.listen.rsplit(":", 1)
    return addr.strip("[]"), int(port)


def control_serve(name, args, handler, port, **attrs):
    """The control port; writes --ready-file, says ready, serves until killed.
    attrs are set on the server (its handlers see them as self.server.X)."""
    caddr, cport = args.control.rsplit(":", 1)
    ctl = ThreadingHTTPServer((caddr, int(cport)), handler)
    ctl.daemon_threads = True
    for k, v in attrs.items():
        setattr(ctl, k, v)
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            f.write("%d %d\n" % (port, ctl.server_address[1]))
        os.rename(args.ready_file + ".tmp", args.ready_file)
    print("%s: ready on %s port %d, control port %d"
          % (name, listen_addr(args)[0], port, ctl.server_address[1]), flush=True)
    ctl.serve_forever()
