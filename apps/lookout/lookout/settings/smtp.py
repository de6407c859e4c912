"""Outgoing email (alerts, invites, password resets)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr

from chartgen.runtime.roles import SECRET, VALUE, Endpoint
from lookout.settings.base import Section


class SMTPSettings(Section):
    host: Annotated[
        str | None,
        Endpoint("smtp", port=587),
        Field(min_length=1, description="SMTP server hostname; empty disables email."),
    ] = None
    port: Annotated[
        int,
        VALUE,
        Field(ge=1, le=65535, description="SMTP server port (587 submission, 465 implicit TLS)."),
    ] = 587
    username: Annotated[
        str,
        VALUE,
        Field(description="SMTP login; empty sends without authentication."),
    ] = ""
    password: Annotated[
        SecretStr | None,
        SECRET,
        Field(description="SMTP password for username."),
    ] = None
    from_address: Annotated[
        str,
        VALUE,
        # Looser than EMAIL_PATTERN: a bare local host (the default) is legitimate here.
        Field(pattern=r"^[^@\s]+@[^@\s]+$", description="Sender address of outgoing email."),
    ] = "lookout@localhost"
    starttls: Annotated[
        bool,
        VALUE,
        Field(description="Upgrade the connection with STARTTLS before authenticating."),
    ] = True
