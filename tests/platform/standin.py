#!/usr/bin/python3
"""Stand-in for M-Lab's platform APIs, for the platform agent's tests.

One process serves, over TLS (a certificate from the test's throwaway CA):
  POST /v0/token/autojoin              token-exchange: {"api_key"} -> {"token"}
  POST /autojoin/v0/node/register      autojoin, API key in the query
  POST /autojoin/v0/node/register/token  autojoin, bearer JWT
  GET  /v2/platform/heartbeat-jwt      Locate's heartbeat WebSocket, bearer JWT
  GET  /acme/directory                 an ACME server (RFC 8555) that is rate
                                       limited: newAccount answers 429 rateLimited
                                       with Retry-After (--acme-retry-after)
The shapes follow upstream (m-lab/autojoin, m-lab/token-exchange, m-lab/locate);
the data (hostnames' ASN, geography, keys) is made up. Everything received is
recorded as JSON lines (API keys redacted). A control port on 127.0.0.1 (plain
HTTP) injects faults: see CONTROL below. API keys come from a file, never the
command line. Run with /usr/bin/python3 (needs python3-cryptography).
"""
import argparse, base64, hashlib, ipaddress, json, os, re, socket
import struct, sys, time, urllib.parse
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import standin_tls  # noqa: E402  (the TLS server, record, faults, control port)

CONTROL = """control (http://127.0.0.1:PORT):
  /fault?endpoint=E&kind=K[&count=N][&seconds=S]  next N requests to E fail
      E: token register register-token heartbeat any; N: default 1, 0 = always
      K: 500 401 503 (JSON error), stall (no answer for S s, default 120),
         drop (half a response, then the socket is closed)
  /clear             no more faults       /revoke?line=N  key on line N: 401,
                     and so are the tokens it got (open heartbeats stay open)
  /unrevoke?line=N   /down  stop listening (refused)    /up  listen again
  /close-ws          close open heartbeat connections    /stats  counts as JSON
"""

ENDPOINTS = {"/v0/token/autojoin": "token",
             "/autojoin/v0/node/register": "register",
             "/autojoin/v0/node/register/token": "register-token",
             "/v2/platform/heartbeat-jwt": "heartbeat",
             "/acme/directory": "acme-directory", "/acme/new-nonce": "acme-nonce",
             "/acme/new-account": "acme-account", "/acme/new-order": "acme-order"}
# A few airports the stand-in "knows" (upstream: a dataset), with made-up cities.
IATA = {"lga": ("New York", "US", "NA", 40.7667, -73.8667),
        "sea": ("Seattle", "US", "NA", 47.4489, -122.3094),
        "fra": ("Frankfurt", "DE", "EU", 50.0264, 8.5431),
        "ams": ("Amsterdam", "NL", "EU", 52.3086, 4.7639),
        "nrt": ("Tokyo", "JP", "AS", 35.7647, 140.3864),
        "jnb": ("Johannesburg", "ZA", "AF", -26.1392, 28.246)}
VALID_NAME = re.compile(r"^[a-zA-Z0-9]{1,10}$")
VALID_UPLINK = re.compile(r"^[0-9]+g$")
SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$")


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class State(standin_tls.State):
    """Keys, faults, counters and the record, shared by every thread."""

    def __init__(self, args):
        super().__init__(args, {"keys_ok": 0, "keys_bad": 0, "tokens_issued": 0,
                                "registrations": 0, "ws_messages": 0, "ws_open": 0})
        self.keys = []  # [(key, org)], in file order (line numbers for /revoke)
        with open(args.keys_file) as f:
            for line in f:
                parts = line.split()
                if parts and not parts[0].startswith("#"):
                    self.keys.append((parts[0], parts[1] if len(parts) > 1 else "fathom"))
        self.revoked = set()
        self.sign_key = ed25519.Ed25519PrivateKey.generate()
        self.sa_keys = {}  # org -> base64 service-account JSON (made once, like upstream)
        self.ws_conns = set()

    def key_org(self, key):
        """(org, why, line): org when the key is good, else why it is refused."""
        for i, (k, org) in enumerate(self.keys):
            if key and k == key:
                if i + 1 in self.revoked:
                    self.count("keys_bad")
                    return None, "revoked", i + 1
                self.count("keys_ok")
                return org, "ok", i + 1
        self.count("keys_bad")
        return None, "unknown" if key else "missing", 0

    def jwt(self, org, line):
        now = int(time.time())
        head = {"alg": "EdDSA", "typ": "JWT", "kid": "standin"}
        # "standin_key": the key's line, so that a revoked key's tokens are
        # refused too (a revocation that takes effect at once).
        claims = {"iss": "token-exchange", "aud": "autojoin", "org": org, "standin_key": line,
                  "iat": now, "nbf": now, "exp": now + self.args.token_lifetime}
        msg = b64u(json.dumps(head).encode()) + "." + b64u(json.dumps(claims).encode())
        return msg + "." + b64u(self.sign_key.sign(msg.encode()))

    def check_jwt(self, auth):
        """(claims, why) for an "Authorization: Bearer JWT" header."""
        if not auth or not auth.startswith("Bearer "):
            return None, "missing"
        try:
            h, c, s = auth[7:].strip().split(".")
            self.sign_key.public_key().verify(unb64u(s), (h + "." + c).encode())
            claims = json.loads(unb64u(c))
        except Exception:
            return None, "bad signature"
        aud = claims.get("aud")
        if "autojoin" not in (aud if isinstance(aud, list) else [aud]):
            return None, "wrong audience"
        if claims.get("exp", 0) < time.time():
            return None, "expired"
        if not claims.get("org"):
            return None, "no org"
        if claims.get("standin_key") in self.revoked:
            return None, "key revoked"
        return claims, "ok"

    def sa_key(self, org):
        with self.lock:
            if org not in self.sa_keys:
                pk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = pk.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()).decode()
                kid = hashlib.sha1(pem.encode()).hexdigest()
                sa = {"type": "service_account", "project_id": self.args.project,
                      "private_key_id": kid, "private_key": pem,
                      "client_email": "autonode-%s@%s.iam.gserviceaccount.com"
                                      % (org, self.args.project),
                      "client_id": str(int(kid[:15], 16)),
                      "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                      "token_uri": "https://oauth2.googleapis.com/token"}
                self.sa_keys[org] = base64.b64encode(json.dumps(sa).encode()).decode()
            return self.sa_keys[org]


def redact(query):
    return {k: ["<redacted>" if k == "api_key" else x for x in v] for k, v in query.items()}


def register_response(st, q, org, remote):
    """(status, body) for a registration, validated as upstream validates."""
    def err(status, typ, title):
        return status, {"Error": {"type": typ, "title": title, "status": status}}
    one = lambda k: q.get(k, [""])[0]
    m = SEMVER.match(one("version") or "v0.0.0")
    if not m:
        return err(400, "version.invalid", "invalid version format - must be semantic version")
    mv = SEMVER.match(st.args.min_version)
    if tuple(map(int, m.groups()[:3])) < tuple(map(int, mv.groups()[:3])):
        return err(403, "version.outdated", "version is below minimum required version")
    service = one("service")
    if not VALID_NAME.match(service):
        return err(400, "?service=<service>", "could not determine service from request")
    ipv6 = one("ipv6")
    try:
        ipv6 = str(ipaddress.ip_address(ipv6)) if ipv6 else ""
    except ValueError:
        ipv6 = ""  # upstream drops an invalid optional ipv6
    try:
        ip4 = ipaddress.ip_address(one("ipv4") or remote)
        assert ip4.version == 4
    except (ValueError, AssertionError):
        return err(400, "?ipv4=<ipv4>", "could not determine client ipv4 from request")
    typ = one("type")
    if typ not in ("physical", "virtual"):
        return err(400, "?type=<type>", "invalid machine type from request")
    uplink = one("uplink")
    if not VALID_UPLINK.match(uplink):
        return err(400, "?uplink=<uplink>", "invalid uplink speed from request")
    iata = one("iata")
    if len(iata) != 3 or not VALID_NAME.match(iata):
        return err(400, "?iata=<iata>", "could not determine iata from request")
    iata = iata.lower()
    if iata not in IATA:
        return err(500, "iata.find", "could not find given iata in dataset")
    try:
        prob = float(one("probability")) if one("probability") else 1.0
    except ValueError:
        prob = 1.0
    city, cc, cont, lat, lon = IATA[iata]
    machine = ip4.packed.hex()
    site = "%s%d" % (iata, st.args.asn)
    project = st.args.project
    host = "%s-%s-%s.%s.%s.measurement-lab.org" % (
        service, site, machine, org, project[5:] if project.startswith("mlab-") else project)
    geo = {"ContinentCode": cont, "CountryCode": cc, "City": city,
           "Latitude": lat, "Longitude": lon}
    network = {"CIDR": str(ip4) + "/24", "ASNumber": st.args.asn, "ASName": "Stand-in Net",
               "Systems": [{"ASNs": [st.args.asn]}]}
    reg = {"Hostname": host,
           "Annotation": {"Annotation": {"Site": site, "Machine": machine, "Geo": geo,
                                         "Network": network},
                          "Network": {"IPv4": str(ip4) + "/32",
                                      "IPv6": ipv6 + "/128" if ipv6 else ""},
                          "Type": "unknown"},
           "Heartbeat": {"City": city, "CountryCode": cc, "ContinentCode": cont,
                         "Experiment": service, "Hostname": host, "Latitude": lat,
                         "Longitude": lon, "Machine": machine, "Metro": iata,
                         "Project": project, "Probability": prob, "Site": site,
                         "Type": typ, "Uplink": uplink, "Services": None},
           "Credentials": {"ServiceAccountKey": st.sa_key(org)}}
    st.count("registrations")
    return 200, {"Registration": reg}


class Handler(standin_tls.Handler):
    server_version = "standin"

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        st = self.server.st
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if 0 < n < 1 << 20 else b""
        endpoint = ENDPOINTS.get(url.path, "unknown")
        rec = {"kind": "http", "method": self.command, "path": url.path, "query": redact(q),
               "endpoint": endpoint, "peer": self.client_address[0],
               "bearer": "Authorization" in self.headers}
        if raw:
            try:
                body = json.loads(raw)
                if isinstance(body, dict) and "api_key" in body:
                    body["api_key"] = "<redacted>"
                rec["body"] = body
            except ValueError:
                rec["body_bytes"] = len(raw)
        fault = st.take_fault(endpoint)
        if fault:
            rec["fault"] = fault["kind"]
            st.record(**rec)
            return self.inject(fault)
        status = getattr(self, "ep_" + endpoint.replace("-", "_"), self.ep_unknown)(q, raw, rec)
        if status is not None:
            rec["status"] = status
            st.record(**rec)

    def inject(self, fault):
        kind = fault["kind"]
        if kind == "stall":
            time.sleep(fault["seconds"])
            self.close_connection = True
        elif kind == "drop":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 400\r\n\r\n{\"Registration\": {\"Host")
            self.wfile.flush()
            self.request.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        else:
            code = int(kind)
            title = {500: "injected internal error", 401: "Invalid API key",
                     503: "injected: service unavailable"}.get(code, "injected")
            self.reply(code, {"Error": {"type": "standin.fault", "title": title,
                                        "status": code}})

    def ep_unknown(self, q, raw, rec):
        return self.reply(404, "404 page not found\n", "text/plain")

    def ep_token(self, q, raw, rec):
        if self.command != "POST":
            return self.reply(405, "Method not allowed\n", "text/plain")
        try:
            key = json.loads(raw).get("api_key", "")
        except (ValueError, AttributeError):
            return self.reply(400, "Invalid request body\n", "text/plain")
        org, why, line = self.server.st.key_org(key)
        rec["api_key"] = why
        if not org:
            return self.reply(401, "Invalid API key\n", "text/plain")
        self.server.st.count("tokens_issued")
        return self.reply(200, {"token": self.server.st.jwt(org, line)})

    def acme_reply(self, status, body, extra=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/problem+json" if status >= 400
                         else "application/json")
        self.send_header("Replay-Nonce", b64u(os.urandom(16)))
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return status

    def ep_acme_directory(self, q, raw, rec):
        base = "https://" + self.headers.get("Host", "localhost") + "/acme/"
        return self.acme_reply(200, {"newNonce": base + "new-nonce",
                                     "newAccount": base + "new-account",
                                     "newOrder": base + "new-order"})

    def ep_acme_nonce(self, q, raw, rec):
        return self.acme_reply(200, {})

    def ep_acme_account(self, q, raw, rec):
        """Let's Encrypt's answer to one request too many (the limit's wording)."""
        ra = self.server.st.args.acme_retry_after
        return self.acme_reply(429, {
            "type": "urn:ietf:params:acme:error:rateLimited", "status": 429,
            "detail": "too many certificates (5) already issued for this exact set of "
                      "identifiers in the last 168h0m0s"},
            [("Retry-After", ra)] if ra else [])

    ep_acme_order = ep_acme_account

    def ep_register(self, q, raw, rec):
        key = q.get("api_key", [""])[0]
        org, why, _ = self.server.st.key_org(key)
        rec["api_key"] = why
        if not org:
            typ, title = (("?api_key=<key>", "API key is required") if why == "missing"
                          else ("auth.invalid_key", "Invalid API key"))
            return self.reply(401, {"Error": {"type": typ, "title": title, "status": 401}})
        return self.reply(*register_response(self.server.st, q, org, self.client_address[0]))

    def ep_register_token(self, q, raw, rec):
        claims, why = self.server.st.check_jwt(self.headers.get("Authorization"))
        rec["jwt"] = why
        if not claims:
            return self.reply(401, {"code": 401, "message": "Jwt verification fails: " + why})
        return self.reply(*register_response(self.server.st, q, claims["org"],
                                             self.client_address[0]))

    def ep_heartbeat(self, q, raw, rec):
        st = self.server.st
        claims, why = st.check_jwt(self.headers.get("Authorization"))
        rec["jwt"] = why
        if not claims:
            return self.reply(401, "Unauthorized: " + why + "\n", "text/plain")
        wskey = self.headers.get("Sec-WebSocket-Key", "")
        if (self.headers.get("Upgrade", "").lower() != "websocket" or
                self.headers.get("Sec-WebSocket-Version") != "13" or not wskey):
            return self.reply(400, "Bad Request\n", "text/plain")
        accept = base64.b64encode(hashlib.sha1(
            (wskey + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        rec["status"] = 101
        st.record(**rec)  # before the messages; dispatch records nothing more
        st.count("ws_open")
        self.close_connection = True
        with st.lock:
            st.ws_conns.add(self)
        try:
            reason = self.ws_loop(st, claims["org"])
        finally:
            with st.lock:
                st.ws_conns.discard(self)
        st.record(kind="ws-close", reason=reason)
        return None

    def ws_send(self, opcode, payload=b""):
        self.wfile.write(bytes([0x80 | opcode, len(payload)]) + payload)
        self.wfile.flush()

    def ws_loop(self, st, org):
        """Reads frames until close, error or silence; records each message."""
        self.request.settimeout(st.args.ws_idle)
        msg, hostname = b"", None
        try:
            while True:
                b0, b1 = self.rfile.read(2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack(">H", self.rfile.read(2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", self.rfile.read(8))[0]
                if not b1 & 0x80:
                    return "unmasked client frame"
                if n > 1 << 16:
                    return "frame too large"
                mask = self.rfile.read(4)
                data = bytes(c ^ mask[i % 4] for i, c in enumerate(self.rfile.read(n)))
                op = b0 & 0x0F
                if op == 8:
                    self.ws_send(8, data[:2])
                    return "client closed"
                if op == 9:
                    self.ws_send(10, data)
                    continue
                if op in (0, 1, 2):
                    msg += data
                    if not b0 & 0x80:
                        continue
                    st.count("ws_messages")
                    try:
                        m = json.loads(msg)
                    except ValueError:
                        st.record(kind="ws-message", bad=True, bytes=len(msg))
                        msg = b""
                        continue
                    msg = b""
                    note = None
                    if isinstance(m, dict) and isinstance(m.get("Registration"), dict):
                        hostname = m["Registration"].get("Hostname", "")
                        if hostname.split(".")[1:2] != [org]:  # as Locate checks the org
                            st.record(kind="ws-message", msg=m, refused="organization mismatch")
                            return "organization mismatch"
                    elif isinstance(m, dict) and "Health" in m and hostname is None:
                        note = "Health before Registration"
                    st.record(kind="ws-message", msg=m, **({"note": note} if note else {}))
        except socket.timeout:
            return "silence"
        except (ValueError, OSError):
            return "connection lost"


class Platform:
    """The TLS listener, which /down stops (refusing connections) and /up restarts."""

    def __init__(self, st, addr, port, ctx):
        self.st, self.addr, self.port, self.ctx = st, addr, port, ctx
        self.srv = None
        self.up()

    def up(self):
        if self.srv:
            return
        self.srv = standin_tls.serve_tls(self.addr, self.port, Handler, self.st, self.ctx)
        self.port = self.srv.server_address[1]

    def down(self):
        if self.srv:
            self.srv.shutdown()
            self.srv.server_close()
            self.srv = None


class Control(standin_tls.Control):
    usage, endpoints = CONTROL, list(ENDPOINTS.values())
    kinds = ("500", "401", "503", "stall", "drop")

    def other_command(self, path, q):
        st, plat = self.server.st, self.server.plat
        if path in ("/revoke", "/unrevoke"):
            line = int(q["line"])
            assert 1 <= line <= len(st.keys), "line"
            (st.revoked.add if path == "/revoke" else st.revoked.discard)(line)
        elif path == "/down":
            plat.down()
        elif path == "/up":
            plat.up()
        elif path == "/close-ws":
            with st.lock:
                conns = list(st.ws_conns)
            for c in conns:
                c.request.shutdown(socket.SHUT_RDWR)
        else:
            return None
        return "ok\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=CONTROL,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    standin_tls.add_common_args(p)
    p.add_argument("--keys-file", required=True, help="API keys: one 'KEY [ORG]' a line")
    p.add_argument("--ws-idle", type=float, default=30.0,
                   help="seconds of heartbeat silence before the connection is dropped")
    p.add_argument("--token-lifetime", type=int, default=3600)
    p.add_argument("--project", default="mlab-sandbox")
    p.add_argument("--asn", type=int, default=64496)
    p.add_argument("--min-version", default="v0.0.0")
    p.add_argument("--acme-retry-after", default="7200",
                   help="the rate-limited ACME answers' Retry-After ('': none)")
    a = p.parse_args()
    st = State(a)
    plat = Platform(st, *standin_tls.listen_addr(a), standin_tls.tls_context(a))
    standin_tls.control_serve("standin", a, Control, plat.port, st=st, plat=plat)


if __name__ == "__main__":
    sys.exit(main())
