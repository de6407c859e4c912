"""Names and numbers the API server validates, as schema types, so Helm refuses them first.

Patterns are RE2 (what both Helm lines' schema validators run): no look-arounds.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# RFC 1123 label: object names the chart prefixes (fullnameOverride), ports' names.
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# RFC 1123 subdomain: Secret, PriorityClass, IngressClass, StorageClass names.
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
# A label value: 63 characters at most, alphanumeric at both ends.
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
# A label or annotation key: an optional DNS-subdomain prefix and a name of 63 at most.
QUALIFIED_NAME = (
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
# An image registry host with an optional port and path: no scheme (https:// is an error).
REGISTRY = (
    r"^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*"
    r"(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
)
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_CIDR = rf"{_OCTET}(\.{_OCTET}){{3}}/([0-9]|[12][0-9]|3[0-2])"
_IPV6_CIDR = r"[0-9a-fA-F:]*:[0-9a-fA-F:.]*/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])"
CIDR = rf"^({_IPV4_CIDR}|{_IPV6_CIDR})$"
INT32_MAX = 2**31 - 1

DnsLabel = Annotated[str, Field(pattern=DNS_LABEL, max_length=63)]
ResourceName = Annotated[str, Field(pattern=DNS_SUBDOMAIN, max_length=253)]
# "" keeps the default (the chart's own name, the cluster's default class …): one pattern
# that also takes "", so a refusal is one plain "does not match" naming the key.
OptionalDnsLabel = Annotated[
    str, Field(pattern=DNS_LABEL.replace("^", "^(", 1)[:-1] + ")?$", max_length=63)
]
OptionalResourceName = Annotated[
    str, Field(pattern=DNS_SUBDOMAIN.replace("^", "^(", 1)[:-1] + ")?$", max_length=253)
]
LabelValue = Annotated[str, Field(pattern=LABEL_VALUE, max_length=63)]
LabelKey = Annotated[str, Field(pattern=QUALIFIED_NAME, max_length=316)]
Labels = dict[LabelKey, LabelValue]
Annotations = dict[LabelKey, str]
Registry = Annotated[
    str, Field(pattern=REGISTRY.replace("^", "^(", 1)[:-1] + ")?$", max_length=255)
]
Cidr = Annotated[str, Field(pattern=CIDR)]
# A key of a Secret or ConfigMap, as the API server accepts it.
DataKey = Annotated[str, Field(pattern=r"^[-._a-zA-Z0-9]+$", max_length=253)]
Int32 = Annotated[int, Field(ge=0, le=INT32_MAX)]
PositiveInt32 = Annotated[int, Field(ge=1, le=INT32_MAX)]
# A PodDisruptionBudget count: pods, or a percentage of them (100 % at most).
Percent = Annotated[str, Field(pattern=r"^([0-9]|[1-9][0-9]|100)%$")]
