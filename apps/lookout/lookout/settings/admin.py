"""Instance administration: what only the operator sets, apart from per-workload tuning."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr

from chartgen.runtime.roles import SECRET, VALUE, Secret
from chartgen.runtime.rules import Shape
from lookout.settings.base import EMAIL_PATTERN, Section

# What a user may do in Lookout (not a chart role).
UserRole = Literal["instance-admin", "admin", "member", "viewer"]

# 16 base32 characters = 80 bits: the length authenticator apps commonly issue.
TOTP_SECRET_MIN_LENGTH = 16
BASE32 = "[A-Za-z2-7]"


class RateLimitSettings(Section):
    requests_per_minute: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Sustained API requests per minute allowed per client."),
    ] = 600
    burst: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Requests a client may send at once above the sustained rate."),
    ] = 100
    login_attempts_per_hour: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Failed logins per account and hour before it is locked out."),
    ] = 20


class AdminSettings(Section):
    email: Annotated[
        str,
        VALUE,
        Field(
            pattern=EMAIL_PATTERN,
            description="Email of the instance admin created at first start; "
            "receives operational notices.",
        ),
    ]
    bootstrap_password: Annotated[
        SecretStr | None,
        Secret(generate=32),
        Field(
            description="Password for that admin's first login; the chart generates one "
            "(and keeps it across upgrades) when unset. Change it after logging in."
        ),
    ] = None
    totp_secret: Annotated[
        SecretStr | None,
        SECRET,
        # Authenticator apps show seeds in either case, often without "=" padding; base32
        # decodes whole groups of 8 plus a tail of 2, 4, 5 or 7. The value is never echoed.
        Shape(
            f"must be at least {TOTP_SECRET_MIN_LENGTH} characters of base32 (A-Z, 2-7)",
            pattern=f"({BASE32}{{8}}){{{TOTP_SECRET_MIN_LENGTH // 8},}}"
            f"({BASE32}{{2}}|{BASE32}{{4,5}}|{BASE32}{{7}})?=*",
        ),
        Field(
            description="Base32 TOTP seed (at least 16 characters) for that admin's second "
            "factor; empty presets none."
        ),
    ] = None
    group_roles: Annotated[
        dict[str, UserRole],
        VALUE,
        Field(
            description="Role granted to members of each identity-provider group (read from "
            'oidc.groups_claim), e.g. {"platform-team": "instance-admin"}.'
        ),
    ] = {}  # noqa: RUF012  pydantic copies defaults per instance
    default_role: Annotated[
        # Never instance-admin: that would make every SSO user an administrator.
        Literal["admin", "member", "viewer"],
        VALUE,
        Field(description="Role of users in none of the groups in group_roles."),
    ] = "viewer"
    max_retention_days: Annotated[
        int,
        VALUE,
        Field(ge=1, le=3650, description="Upper bound on every retention period, in days."),
    ] = 365
    rate_limits: Annotated[
        RateLimitSettings,
        Field(
            default_factory=RateLimitSettings,
            description="Per-client request limits, the same for the whole instance.",
        ),
    ]
