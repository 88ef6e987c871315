#!/usr/bin/python3
"""Stand-in for Google's OAuth token endpoint and GCS JSON API, for the uploader.

One process serves, over TLS (a certificate from the test's throwaway CA):
  POST /token                                  OAuth 2.0 JWT-bearer grant (RFC 7523):
       grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT, the
       JWT (RS256) verified against the service account's public key
  POST /upload/storage/v1/b/BUCKET/o?uploadType=media&name=OBJECT
       GCS media upload with "Authorization: Bearer TOKEN" (a token /token gave);
       stored as STORE/gcs/BUCKET/OBJECT; answers the object resource (md5Hash,
       crc32c: base64 of the big-endian value, as Google does)
  PUT  /put/OBJECT                             the simple target: stored as
       STORE/put/OBJECT when the bearer token is the one of --put-token-file
Everything received is recorded as JSON lines (no token, no assertion signature).
A control port on 127.0.0.1 (plain HTTP) injects faults: see CONTROL below. Run
with /usr/bin/python3 (needs python3-cryptography).
"""
import argparse, base64, hashlib, json, os, secrets, socket, struct, sys
import time, urllib.parse
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import standin_tls  # noqa: E402  (the TLS server, record, faults, control port)

CONTROL = """control (http://127.0.0.1:PORT):
  /fault?endpoint=E&kind=K[&count=N][&seconds=S][&delay=T]  the next N requests
      to E fail (after T s, default 0); E: token upload put any; N: default 1, 0 = always
      K: 400 401 403 429 500 503 (a JSON error), stall (no answer for S s,
         default 120), reset (half the body read, then a TCP reset),
         checksum (stored, but the answer's md5Hash and crc32c are wrong)
  /expire     every token issued so far is refused from now on (401)
  /clear      no more faults        /stats  counts as JSON
"""

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE = "https://www.googleapis.com/auth/devstorage.read_write"
KINDS = ("400", "401", "403", "429", "500", "503", "stall", "reset", "checksum")


def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC_TABLE = _crc_table()


class State(standin_tls.State):
    """The account's key, tokens, faults, counters and the record."""

    def __init__(self, args):
        super().__init__(args, {"tokens_issued": 0, "objects_stored": 0, "bytes_stored": 0,
                                "assertions_bad": 0, "tokens_refused": 0})
        with open(args.service_account) as f:
            sa = json.load(f)
        self.email = sa["client_email"]
        self.pubkey = serialization.load_pem_private_key(
            sa["private_key"].encode(), None).public_key()
        self.put_token = None
        if args.put_token_file:
            with open(args.put_token_file) as f:
                self.put_token = f.readline().strip()
        self.tokens = {}  # token -> expiry

    def check_assertion(self, jwt, token_url):
        """(claims, why): the claims when the RS256 assertion is good."""
        try:
            h, c, s = jwt.split(".")
            head, claims = json.loads(unb64u(h)), json.loads(unb64u(c))
        except (ValueError, TypeError):
            return None, "not a JWT"
        if head.get("alg") != "RS256":
            return None, "alg is not RS256"
        try:
            self.pubkey.verify(unb64u(s), (h + "." + c).encode(), padding.PKCS1v15(),
                               hashes.SHA256())
        except Exception:
            return None, "bad signature"
        now = time.time()
        if claims.get("iss") != self.email:
            return claims, "iss is not the account's client_email"
        if claims.get("aud") != token_url:
            return claims, "aud is not the token URL"
        if SCOPE not in str(claims.get("scope", "")).split():
            return claims, "scope lacks devstorage.read_write"
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int):
            return claims, "iat or exp missing"
        if exp - iat > 3600 or exp < now or iat > now + 300:
            return claims, "iat/exp out of range"
        return claims, "ok"

    def token_ok(self, auth):
        if not auth or not auth.startswith("Bearer "):
            return "missing"
        with self.lock:
            exp = self.tokens.get(auth[7:].strip())
        if exp is None:
            return "unknown"
        return "ok" if exp > time.time() else "expired"


class Handler(standin_tls.Handler):
    server_version = "standin-gcs"
    io_timeout = 30

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_GET(self):
        self.dispatch()

    def dispatch(self):
        st = self.server.st
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/token":
            endpoint = "token"
        elif url.path.startswith("/upload/storage/v1/b/"):
            endpoint = "upload"
        elif url.path.startswith("/put/"):
            endpoint = "put"
        else:
            endpoint = "unknown"
        n = int(self.headers.get("Content-Length") or 0)
        rec = {"kind": "http", "method": self.command, "path": url.path,
               "query": {k: v for k, v in q.items() if k != "assertion"},
               "endpoint": endpoint, "bearer": "Authorization" in self.headers,
               "content_type": self.headers.get("Content-Type"), "bytes": n}
        fault = st.take_fault(endpoint)
        if fault and fault["delay"] > 0:
            time.sleep(fault["delay"])
        if fault and fault["kind"] == "reset":
            rec["fault"] = "reset"
            st.record(**rec)
            return self.reset(n)
        raw = self.rfile.read(n) if 0 < n <= self.server.st.args.max_bytes else b""
        if fault and fault["kind"] != "checksum":
            rec["fault"] = fault["kind"]
            st.record(**rec)
            return self.inject(fault)
        ep = getattr(self, "ep_" + endpoint)
        rec["status"] = ep(url, q, raw, rec, fault)
        st.record(**rec)

    def reset(self, n):
        """Half the body read, then a TCP reset (SO_LINGER 0, no TLS close)."""
        self.rfile.read(n // 2)
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        socket.socket.close(self.request)
        self.close_connection = True

    def inject(self, fault):
        if fault["kind"] == "stall":
            time.sleep(fault["seconds"])
            self.close_connection = True
            return
        code = int(fault["kind"])
        self.reply(code, {"error": {"code": code, "message": "injected by the stand-in",
                                    "errors": [{"reason": "standinFault"}]}})

    def ep_unknown(self, url, q, raw, rec, fault):
        return self.reply(404, "Not Found\n", "text/plain")

    def ep_token(self, url, q, raw, rec, fault):
        st = self.server.st
        if self.command != "POST":
            return self.reply(405, "Method not allowed\n", "text/plain")
        form = urllib.parse.parse_qs(raw.decode("latin-1"), keep_blank_values=True)
        rec["grant_type"] = form.get("grant_type", [""])[0]
        if rec["grant_type"] != GRANT:
            return self.reply(400, {"error": "unsupported_grant_type",
                                    "error_description": "Invalid grant_type"})
        token_url = "https://%s%s" % (self.headers.get("Host", ""), url.path)
        claims, why = st.check_assertion(form.get("assertion", [""])[0], token_url)
        rec["assertion"] = why
        if claims:
            rec["claims"] = claims
        if why != "ok":
            st.count("assertions_bad")
            return self.reply(400, {"error": "invalid_grant", "error_description": why})
        tok = "ya29.standin-" + secrets.token_urlsafe(32)
        with st.lock:
            st.tokens[tok] = time.time() + st.args.token_lifetime
        st.count("tokens_issued")
        return self.reply(200, {"access_token": tok, "expires_in": st.args.token_lifetime,
                                "token_type": "Bearer"})

    def store(self, sub, name, raw):
        st = self.server.st
        if not name or name.startswith("/") or ".." in name.split("/"):
            return None
        path = os.path.join(st.args.store, sub, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".part", "wb") as f:
            f.write(raw)
        os.rename(path + ".part", path)
        st.count("objects_stored")
        st.count("bytes_stored", len(raw))
        return path

    def ep_upload(self, url, q, raw, rec, fault):
        st = self.server.st
        parts = url.path.split("/")  # '', upload, storage, v1, b, BUCKET, o
        if self.command != "POST" or len(parts) != 7 or parts[6] != "o":
            return self.reply(404, "Not Found\n", "text/plain")
        why = st.token_ok(self.headers.get("Authorization"))
        rec["token"] = why
        if why != "ok":
            st.count("tokens_refused")
            return self.reply(401, {"error": {"code": 401, "message": "Invalid Credentials",
                                              "errors": [{"reason": "authError"}]}})
        name = q.get("name", [""])[0]
        if q.get("uploadType", [""])[0] != "media" or len(raw) != rec["bytes"] or \
                not self.store("gcs/" + parts[5], name, raw):
            return self.reply(400, {"error": {"code": 400, "message": "bad upload request"}})
        data = raw + b"x" if fault else raw
        if fault:
            rec["fault"] = "checksum"
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        crc = base64.b64encode(struct.pack(">I", crc32c(data))).decode()
        gen = str(time.time_ns() // 1000)
        return self.reply(200, {"kind": "storage#object", "id": "%s/%s/%s" % (parts[5], name, gen),
                                "name": name, "bucket": parts[5], "generation": gen,
                                "size": str(len(raw)), "md5Hash": md5, "crc32c": crc,
                                "contentType": self.headers.get("Content-Type", "")})

    def ep_put(self, url, q, raw, rec, fault):
        st = self.server.st
        if self.command != "PUT":
            return self.reply(405, "Method not allowed\n", "text/plain")
        auth = self.headers.get("Authorization", "")
        if st.put_token is not None and auth != "Bearer " + st.put_token:
            rec["token"] = "bad" if auth else "missing"
            return self.reply(401, "Unauthorized\n", "text/plain")
        name = urllib.parse.unquote(url.path[len("/put/"):])
        rec["object"] = name
        if len(raw) != rec["bytes"] or not self.store("put", name, raw):
            return self.reply(400, "Bad Request\n", "text/plain")
        return self.reply(201, "Created\n", "text/plain")


class Control(standin_tls.Control):
    usage, endpoints, kinds = CONTROL, ("token", "upload", "put"), KINDS

    def other_command(self, path, q):
        st = self.server.st
        if path != "/expire":
            return None
        with st.lock:
            for t in st.tokens:
                st.tokens[t] = 0
        return "ok\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=CONTROL,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    standin_tls.add_common_args(p)
    p.add_argument("--service-account", required=True,
                   help="the account's key (JSON: client_email, private_key)")
    p.add_argument("--put-token-file", help="the bearer token PUT requires (one line)")
    p.add_argument("--store", required=True, help="directory objects are stored under")
    p.add_argument("--token-lifetime", type=int, default=3600)
    p.add_argument("--max-bytes", type=int, default=64 << 20, help="largest body read")
    a = p.parse_args()
    st = State(a)
    srv = standin_tls.serve_tls(*standin_tls.listen_addr(a), Handler, st,
                                standin_tls.tls_context(a))
    standin_tls.control_serve("standin-gcs", a, Control, srv.server_address[1], st=st)


if __name__ == "__main__":
    sys.exit(main())
