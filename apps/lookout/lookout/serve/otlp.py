"""OTLP/JSON trace export requests (``resourceSpans/scopeSpans/spans``) into span rows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from lookout.serve.common import from_unix_nano

HEX_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
HEX_SPAN_ID = re.compile(r"^[0-9a-f]{16}$")


class InvalidExport(ValueError):
    pass


@dataclass(frozen=True)
class SpanRow:
    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    service_name: str | None
    kind: int
    start_time: dt.datetime
    end_time: dt.datetime
    status_code: int
    attributes: dict[str, Any]
    # What the batch object keeps of it: the span as received, with its resource and scope.
    record: dict[str, Any]


def any_value(value: Any) -> Any:
    """An OTLP AnyValue as plain JSON."""
    if not isinstance(value, dict) or not value:
        return None
    kind, inner = next(iter(value.items()))
    if kind == "intValue":
        return int(inner)
    if kind == "arrayValue":
        return [any_value(item) for item in (inner or {}).get("values") or []]
    if kind == "kvlistValue":
        return attributes((inner or {}).get("values"))
    return inner  # string, bool, double, bytes (base64)


def attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    return {
        str(item.get("key")): any_value(item.get("value"))
        for item in items
        if isinstance(item, dict) and item.get("key") is not None
    }


def _hex_id(value: Any, pattern: re.Pattern[str], what: str, optional: bool = False) -> str | None:
    text = str(value or "").lower()
    if not text and optional:
        return None
    if not pattern.match(text):
        raise InvalidExport(f"{what} must be {pattern.pattern[3:-2]} hex characters, got {value!r}")
    return text


def _kind(value: Any) -> int:
    if isinstance(value, str) and value.startswith("SPAN_KIND_"):
        names = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"]
        return names.index(value[len("SPAN_KIND_") :]) if value[10:] in names else 0
    return int(value or 0)


def parse_traces(request: Any) -> list[SpanRow]:
    """Every span of an ExportTraceServiceRequest in JSON, or InvalidExport saying why."""
    if not isinstance(request, dict):
        raise InvalidExport("body must be a JSON object with resourceSpans")
    rows: list[SpanRow] = []
    try:
        for resource_spans in request.get("resourceSpans") or []:
            resource = attributes((resource_spans.get("resource") or {}).get("attributes"))
            service = resource.get("service.name")
            for scope_spans in resource_spans.get("scopeSpans") or []:
                scope = (scope_spans.get("scope") or {}).get("name")
                for span in scope_spans.get("spans") or []:
                    start = from_unix_nano(span.get("startTimeUnixNano") or 0)
                    rows.append(
                        SpanRow(
                            trace_id=str(_hex_id(span.get("traceId"), HEX_TRACE_ID, "traceId")),
                            span_id=str(_hex_id(span.get("spanId"), HEX_SPAN_ID, "spanId")),
                            parent_span_id=_hex_id(
                                span.get("parentSpanId"), HEX_SPAN_ID, "parentSpanId", True
                            ),
                            name=str(span.get("name") or ""),
                            service_name=None if service is None else str(service),
                            kind=_kind(span.get("kind")),
                            start_time=start,
                            end_time=from_unix_nano(span["endTimeUnixNano"])
                            if span.get("endTimeUnixNano")
                            else start,
                            status_code=int((span.get("status") or {}).get("code") or 0),
                            attributes=attributes(span.get("attributes")),
                            record={"resource": resource, "scope": scope, "span": span},
                        )
                    )
    except (AttributeError, TypeError, ValueError, OverflowError) as error:
        if isinstance(error, InvalidExport):
            raise
        raise InvalidExport(f"not an OTLP/JSON trace export: {error}") from None
    return rows
