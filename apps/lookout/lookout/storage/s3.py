"""A small S3 client: PUT, GET and DELETE of objects and HEAD of the bucket, signed with SigV4.

Only what Lookout needs, on the standard library (urllib, hmac): no SDK. Works with AWS S3,
MinIO, R2 and Google Cloud Storage's XML API (HMAC keys). Buckets are addressed path-style
(``endpoint/bucket/key``) or virtual-host style (``bucket.endpoint/key``) per
``force_path_style``. Without static keys requests go unsigned (cloud identity is not
implemented in this reference package).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from lookout.settings.object_storage import ObjectStorageSettings

log = logging.getLogger("lookout.storage")

DEFAULT_ENDPOINTS = {
    "s3": "https://s3.{region}.amazonaws.com",
    "gs": "https://storage.googleapis.com",
}
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
TIMEOUT_SECONDS = 30.0


class StorageError(Exception):
    """A request to object storage failed; ``status`` is the HTTP status, 0 when none came."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str


def _sign(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _uri_encode(text: str, safe: str = "") -> str:
    # SigV4's UriEncode: unreserved characters stay, everything else is %XX (uppercase).
    return quote(text, safe="-_.~" + safe)


def signature_headers(
    method: str,
    url: str,
    region: str,
    credentials: Credentials,
    payload_sha256: str,
    now: dt.datetime,
) -> dict[str, str]:
    """The headers that sign one request (AWS Signature Version 4, service ``s3``)."""
    parts = urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {"host": parts.netloc, "x-amz-content-sha256": payload_sha256, "x-amz-date": amz_date}
    pairs = sorted(
        (_uri_encode(k), _uri_encode(v))
        for k, _, v in (item.partition("=") for item in parts.query.split("&") if item)
    )
    canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    names = sorted(headers)
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in names)
    signed = ";".join(names)
    # The path is already encoded once (S3 does not encode it twice).
    canonical = "\n".join(
        [method, parts.path or "/", canonical_query, canonical_headers, signed, payload_sha256]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _sign(("AWS4" + credentials.secret_access_key).encode(), day)
    for part in (region, "s3", "aws4_request"):
        key = _sign(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    del headers["host"]  # urllib sends it itself, identical
    return headers


class S3Client:
    """Objects under ``uri``'s prefix in its bucket."""

    def __init__(self, settings: ObjectStorageSettings, timeout: float = TIMEOUT_SECONDS) -> None:
        parts = urlsplit(settings.uri)
        scheme = parts.scheme
        if scheme == "az":
            raise StorageError("az:// buckets need Azure's Blob API, which is not implemented")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.region = settings.region
        self.timeout = timeout
        endpoint = str(settings.endpoint_url) if settings.endpoint_url else ""
        endpoint = (endpoint or DEFAULT_ENDPOINTS[scheme].format(region=self.region)).rstrip("/")
        base = urlsplit(endpoint)
        self._path_style = settings.force_path_style
        if settings.force_path_style:
            self._base = f"{base.scheme}://{base.netloc}{base.path}/{_uri_encode(self.bucket)}"
        else:
            self._base = f"{base.scheme}://{self.bucket}.{base.netloc}{base.path}"
        self.credentials: Credentials | None = None
        if settings.access_key_id is not None and settings.secret_access_key is not None:
            self.credentials = Credentials(
                settings.access_key_id.get_secret_value().strip(),
                settings.secret_access_key.get_secret_value().strip(),
            )

    def describe(self) -> str:
        where = f"{self.bucket}/{self.prefix}" if self.prefix else self.bucket
        return f"s3://{where} at {self._base}"

    def key(self, name: str) -> str:
        """The full object key of ``name`` under the prefix."""
        return f"{self.prefix}/{name}" if self.prefix else name

    def _url(self, key: str | None) -> str:
        if key is None:
            # Path-style: /bucket; virtual-host style: the host's root.
            return self._base if self._path_style else self._base + "/"
        return f"{self._base}/{_uri_encode(key, safe='/')}"

    def _request(
        self,
        method: str,
        key: str | None,
        body: bytes = b"",
        content_type: str | None = None,
        timeout: float | None = None,
    ) -> tuple[int, bytes]:
        url = self._url(key)
        payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        headers: dict[str, str] = {}
        if self.credentials is not None:
            headers = signature_headers(
                method, url, self.region, self.credentials, payload_hash, dt.datetime.now(dt.UTC)
            )
        if content_type:
            headers["content-type"] = content_type
        request = urllib.request.Request(
            url, data=body if method == "PUT" else None, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace") if method != "HEAD" else ""
            raise StorageError(
                f"{method} {key or '(bucket)'}: HTTP {error.code} {detail}".strip(), error.code
            ) from None
        except (OSError, http.client.HTTPException) as error:
            raise StorageError(f"{method} {key or '(bucket)'}: {error}") from None

    def put(self, key: str, body: bytes, content_type: str = "application/json") -> None:
        self._request("PUT", key, body, content_type)

    def get(self, key: str) -> bytes:
        return self._request("GET", key)[1]

    def delete(self, key: str) -> None:
        """Delete an object; deleting one that is gone already succeeds (S3 answers 204)."""
        try:
            self._request("DELETE", key)
        except StorageError as error:
            if error.status != 404:
                raise

    def create_bucket(self) -> None:
        """Create the bucket (tests and dev setups; in us-east-1, which needs no location)."""
        self._request("PUT", None, b"")

    def head_bucket(self, timeout: float | None = None) -> None:
        """Succeeds when the bucket exists and the credentials may use it."""
        self._request("HEAD", None, timeout=timeout)
