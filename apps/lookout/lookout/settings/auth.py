"""Keys for sessions and for encrypting stored credentials."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr

from chartgen.runtime.roles import VALUE, Secret
from chartgen.runtime.rules import Shape
from lookout.settings.base import Section

JWT_SECRET_MIN_LENGTH = 32
ENCRYPTION_KEY_LENGTH = 44  # urlsafe base64 of 32 bytes, padded
# Prints a valid encryption_key; quoted by the chart and in this app's error.
ENCRYPTION_KEY_HINT = (
    "python3 -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
)


class AuthSettings(Section):
    # Losing it only logs everyone out, so the chart may generate (and keep) it.
    jwt_secret: Annotated[
        SecretStr,
        Secret(generate=48),
        Shape(
            f"must be at least {JWT_SECRET_MIN_LENGTH} characters", min_length=JWT_SECRET_MIN_LENGTH
        ),
        Field(description="Signs session tokens; at least 32 random characters."),
    ]
    # Never generated: a made-up key silently makes stored credentials unreadable.
    encryption_key: Annotated[
        SecretStr,
        # Dev mode only: a made-up key is fine where the data is throwaway.
        Secret(create_hint=ENCRYPTION_KEY_HINT, dev_generate=32, encoding="base64"),
        # 43 characters and "=" are exactly the base64 of 32 bytes (urlsafe, or not: the
        # urlsafe decoder reads + and / too).
        Shape(
            f"must be {ENCRYPTION_KEY_LENGTH} characters of urlsafe base64 (32 bytes); "
            f"create one with: {ENCRYPTION_KEY_HINT}",
            pattern=f"[A-Za-z0-9_+/-]{{{ENCRYPTION_KEY_LENGTH - 1}}}=",
        ),
        Field(
            description="Encrypts stored credentials; 32 bytes in urlsafe base64 (44 chars). "
            "Back it up: without it stored credentials cannot be decrypted."
        ),
    ]
    session_ttl_minutes: Annotated[
        int,
        VALUE,
        Field(ge=5, description="Minutes a login session stays valid without activity."),
    ] = 720
