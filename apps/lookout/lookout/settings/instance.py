"""Identity of this Lookout installation."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl

from chartgen.runtime.roles import VALUE
from lookout.settings.base import Section


class InstanceSettings(Section):
    public_url: Annotated[
        HttpUrl,
        VALUE,
        Field(description="External URL users open in a browser; links in emails point here."),
    ]
    name: Annotated[
        str,
        VALUE,
        Field(min_length=1, description="Display name shown in the UI and email subjects."),
    ] = "Lookout"
    signup_enabled: Annotated[
        bool,
        VALUE,
        Field(description="Let anyone with the URL create an account (off: invite only)."),
    ] = False
