"""Single sign-on through an OpenID Connect provider."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl, SecretStr

from chartgen.runtime.roles import SECRET, VALUE, Endpoint
from chartgen.runtime.rules import RequiredWith, cross_field
from lookout.settings.base import Section


class OIDCSettings(Section):
    issuer: Annotated[
        HttpUrl | None,
        Endpoint("oidc", port=443),
        Field(description="OIDC issuer URL; empty keeps local password login."),
    ] = None
    client_id: Annotated[
        str,
        VALUE,
        Field(description="Client ID registered with the provider; required with an issuer."),
    ] = ""
    client_secret: Annotated[
        SecretStr | None,
        SECRET,
        Field(description="Client secret; leave empty for public clients using PKCE."),
    ] = None
    scopes: Annotated[
        list[str],
        VALUE,
        Field(min_length=1, description="Scopes requested at login."),
    ] = ["openid", "email", "profile"]  # noqa: RUF012  pydantic copies defaults per instance
    groups_claim: Annotated[
        str,
        VALUE,
        Field(min_length=1, description="ID-token claim listing the user's groups."),
    ] = "groups"

    _issuer_needs_client = cross_field(RequiredWith("client_id", when="issuer"))
