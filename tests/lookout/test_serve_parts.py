"""The pieces of ``lookout serve`` that need no server: SigV4 signing, tokens, OTLP/JSON
parsing and the ingest buffer."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from lookout.serve.ingest import Buffer
from lookout.serve.otlp import InvalidExport, parse_traces
from lookout.serve.tokens import (
    InvalidToken,
    check_password,
    hash_password,
    issue_token,
    key_hash,
    key_prefix,
    new_ingest_key,
    verify_token,
)
from lookout.storage.s3 import EMPTY_SHA256, Credentials, signature_headers

# The examples of AWS's "Signature Calculations for the Authorization Header" (S3 docs).
AWS_EXAMPLE = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
AWS_EXAMPLE_TIME = dt.datetime(2013, 5, 24, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("url", "signature"),
    [
        (
            "https://examplebucket.s3.amazonaws.com/?lifecycle",
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
        ),
        (
            "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
        ),
    ],
    ids=["get-bucket-lifecycle", "list-objects"],
)
def test_sigv4_matches_the_aws_documentation_examples(url: str, signature: str) -> None:
    headers = signature_headers(
        "GET", url, "us-east-1", AWS_EXAMPLE, EMPTY_SHA256, AWS_EXAMPLE_TIME
    )
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}"
    )
    assert headers["x-amz-date"] == "20130524T000000Z"


def test_session_tokens_verify_and_reject_tampering_and_expiry() -> None:
    secret = "s" * 40
    claims = {"sub": "7", "email": "a@b.c", "role": "admin", "org": 3}
    token = issue_token(secret, claims, 60)
    verified = verify_token(secret, token)
    assert (verified.user_id, verified.role, verified.organization_id) == (7, "admin", 3)
    with pytest.raises(InvalidToken):
        verify_token("t" * 40, token)
    header, body, signature = token.split(".")
    with pytest.raises(InvalidToken):
        verify_token(secret, f"{header}.{body}x.{signature}")
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(secret, issue_token(secret, claims, -1))
    with pytest.raises(InvalidToken):
        verify_token(secret, "not a token")


def test_passwords_and_ingest_keys() -> None:
    stored = hash_password("correct horse")
    assert check_password("correct horse", stored)
    assert not check_password("wrong", stored)
    assert not check_password("correct horse", None)
    key, prefix = new_ingest_key()
    assert key_prefix(key) == prefix and 8 <= len(prefix) <= 16
    assert key_prefix("lk_short_x") is None
    assert key_hash(key) != key_hash(key + "x")


def otlp(span: dict[str, object]) -> dict[str, object]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]
                },
                "scopeSpans": [{"scope": {"name": "s"}, "spans": [span]}],
            }
        ]
    }


def test_otlp_json_spans_become_rows() -> None:
    now = time.time_ns()
    rows = parse_traces(
        otlp(
            {
                "traceId": "5B8EFFF798038103D269B633813FC60C",
                "spanId": "EEE19B7EC3C1B174",
                "parentSpanId": "",
                "name": "op",
                "kind": "SPAN_KIND_CLIENT",
                "startTimeUnixNano": str(now),
                "endTimeUnixNano": now + 10**6,
                "attributes": [
                    {"key": "n", "value": {"intValue": "3"}},
                    {"key": "l", "value": {"arrayValue": {"values": [{"boolValue": True}]}}},
                ],
            }
        )
    )
    (row,) = rows
    assert (row.trace_id, row.span_id, row.parent_span_id) == (
        "5b8efff798038103d269b633813fc60c",
        "eee19b7ec3c1b174",
        None,
    )
    assert (row.kind, row.service_name, row.attributes) == (3, "svc", {"n": 3, "l": [True]})
    assert row.end_time - row.start_time == dt.timedelta(milliseconds=1)
    with pytest.raises(InvalidExport, match="traceId"):
        parse_traces(otlp({"traceId": "abc", "spanId": "eee19b7ec3c1b174"}))
    with pytest.raises(InvalidExport):
        parse_traces([1, 2])


def test_buffer_is_bounded_and_drains_in_batches_that_add_up() -> None:
    now = dt.datetime.now(dt.UTC)
    rows = parse_traces(
        otlp(
            {
                "traceId": "0" * 31 + "1",
                "spanId": "0" * 15 + "1",
                "startTimeUnixNano": str(int(now.timestamp() * 1e9)),
            }
        )
    )
    buffer = Buffer(capacity=1000)
    assert buffer.offer(1, rows * 10, 600)
    assert not buffer.offer(1, rows, 500)  # full: the client is throttled (429)
    assert buffer.offer(2, rows, 400)
    batches = buffer.drain(max_bytes=250)
    assert sorted({b.project_id for b in batches}) == [1, 2]
    assert sum(b.size for b in batches) == 1000
    assert sum(len(b.spans) for b in batches if b.project_id == 1) == 10
    assert all(b.size <= 250 for b in batches if b.project_id == 1)
    for batch in batches:
        buffer.release(batch.size)
    assert buffer.used == 0
    assert buffer.offer(1, rows, 1000)
