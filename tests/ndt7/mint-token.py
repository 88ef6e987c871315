#!/usr/bin/python3
"""Throwaway access-token keys and tokens for the ndt7 token tests, made by
an implementation independent of the server's (Debian's python3-jwt and
python3-cryptography).

  mint-token.py keygen ALG KID DIR
      a new key pair: DIR/KID.pem (private, mode 0600) and DIR/KID.jwk (the
      public JWK the server loads); ALG is EdDSA, ES256 or RS256
  mint-token.py sign DIR/KID.pem [--alg A] [--kid K|--no-kid] [--iss I]
                [--aud A ...] [--sub S] [--exp SECONDS|--no-exp] [--nbf SECONDS]
      a token on stdout; times are relative to now; --alg none or HS256
      (with a random secret) make tokens no server must accept, and --alg
      naming another algorithm than the key's makes a mismatched header
"""
import argparse
import base64
import json
import os
import secrets
import sys
import time

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return b64(n.to_bytes(size, "big"))


def keygen(alg, kid, outdir):
    if alg == "EdDSA":
        key = ed25519.Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
        pub = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}
    elif alg == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
        nums = key.public_key().public_numbers()
        pub = {"kty": "EC", "crv": "P-256", "x": uint(nums.x, 32), "y": uint(nums.y, 32)}
    elif alg == "RS256":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        nums = key.public_key().public_numbers()
        pub = {"kty": "RSA", "n": uint(nums.n), "e": uint(nums.e)}
    else:
        sys.exit(f"mint-token: unknown algorithm {alg}")
    pub.update({"use": "sig", "alg": alg, "kid": kid})
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(os.path.join(outdir, kid + ".pem"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    with open(os.path.join(outdir, kid + ".jwk"), "w") as f:
        json.dump(pub, f)
        f.write("\n")


def key_alg(key):
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "ES256"
    return "RS256"


def raw_sign(key, data):
    """The JWS signature of data with key, whatever the header says."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def sign(a):
    with open(a.keyfile, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    now = int(time.time())
    claims = {"iss": a.iss, "jti": secrets.token_hex(8)}
    if a.aud:
        claims["aud"] = a.aud[0] if len(a.aud) == 1 and not a.aud_list else a.aud
    if a.sub:
        claims["sub"] = a.sub
    if not a.no_exp:
        claims["exp"] = now + a.exp
    if a.nbf is not None:
        claims["nbf"] = now + a.nbf
    kid = None if a.no_kid else a.kid or os.path.basename(a.keyfile)[:-len(".pem")]
    headers = {"kid": kid} if kid else {}
    alg = a.alg or key_alg(key)
    if alg == "none":
        return jwt.encode(claims, None, algorithm="none", headers=headers)
    if alg == "HS256":
        return jwt.encode(claims, secrets.token_bytes(32), algorithm="HS256", headers=headers)
    if alg == key_alg(key):
        return jwt.encode(claims, key, algorithm=alg, headers=headers)
    # A header naming another algorithm than the key's: PyJWT will not.
    head = {"alg": alg, "typ": "JWT", **headers}
    signing = b64(json.dumps(head).encode()) + "." + b64(json.dumps(claims).encode())
    return signing + "." + b64(raw_sign(key, signing.encode()))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keygen")
    k.add_argument("alg")
    k.add_argument("kid")
    k.add_argument("dir")
    s = sub.add_parser("sign")
    s.add_argument("keyfile")
    s.add_argument("--alg")
    s.add_argument("--kid")
    s.add_argument("--no-kid", action="store_true")
    s.add_argument("--iss", default="locate")
    s.add_argument("--aud", action="append")
    s.add_argument("--aud-list", action="store_true", help="aud as an array even if one")
    s.add_argument("--sub")
    s.add_argument("--exp", type=int, default=60)
    s.add_argument("--no-exp", action="store_true")
    s.add_argument("--nbf", type=int)
    a = p.parse_args()
    if a.cmd == "keygen":
        keygen(a.alg, a.kid, a.dir)
    else:
        print(sign(a))


if __name__ == "__main__":
    main()
