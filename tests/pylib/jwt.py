"""Independent HS256 JWT verification for the tests (stdlib only)."""
import base64
import hashlib
import hmac
import json


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_verify(token, key):
    """Returns the claims of token if its HS256 signature verifies with key."""
    h, p, sig = token.split(".")
    want = hmac.new(key.encode(), f"{h}.{p}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(b64url_decode(sig), want), "JWT signature does not verify"
    assert json.loads(b64url_decode(h)) == {"alg": "HS256", "typ": "JWT"}
    return json.loads(b64url_decode(p))
