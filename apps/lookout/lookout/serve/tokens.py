"""Session tokens (JWT, HS256 on the auth section's jwt_secret), passwords and ingest keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

PBKDF2_ITERATIONS = 200_000
KEY_PREFIX_BYTES = 6  # 12 hex characters: api_keys.prefix allows 8 to 16
KEY_PREFIX = "lk_"


class InvalidToken(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Claims:
    user_id: int
    email: str
    role: str
    organization_id: int
    expires_at: int


def issue_token(secret: str, claims: dict[str, Any], ttl_seconds: int) -> str:
    now = int(time.time())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps({**claims, "iat": now, "exp": now + ttl_seconds}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


def verify_token(secret: str, token: str) -> Claims:
    """The claims of a valid, unexpired token signed with ``secret``, else InvalidToken."""
    try:
        header, body, signature = token.split(".")
        expected = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise InvalidToken("bad signature")
        if json.loads(_unb64(header)).get("alg") != "HS256":
            raise InvalidToken("unexpected algorithm")
        data = json.loads(_unb64(body))
        claims = Claims(
            int(data["sub"]),
            str(data["email"]),
            str(data["role"]),
            int(data["org"]),
            int(data["exp"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidToken(f"malformed token ({type(error).__name__})") from None
    if claims.expires_at < time.time():
        raise InvalidToken("token expired")
    return claims


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    actual = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
    return hmac.compare_digest(actual, _unb64(digest))


def new_ingest_key() -> tuple[str, str]:
    """A new key and its prefix: ``lk_<prefix>_<secret>``; only its hash is stored."""
    prefix = secrets.token_hex(KEY_PREFIX_BYTES)
    return f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def key_prefix(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX):
        return None
    prefix, _, rest = key[len(KEY_PREFIX) :].partition("_")
    return prefix if len(prefix) == 2 * KEY_PREFIX_BYTES and rest else None


def key_hash(key: str) -> bytes:
    # The key carries 256 random bits: a plain SHA-256 is enough (no brute force to slow).
    return hashlib.sha256(key.encode()).digest()
