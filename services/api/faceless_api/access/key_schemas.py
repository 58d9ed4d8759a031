"""What the API reads and writes for API keys (a key is shown once, when it is made) and about
who a key belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from faceless_api.http.text_fields import WITHOUT_NUL
from faceless_shared.db.api_keys import ApiKeyRow, Scope

KeyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=100, pattern=WITHOUT_NUL),
    Field(description="What the key is for, to tell keys apart.", examples=["n8n workflow"]),
]


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: KeyName = ""


class KeyOut(BaseModel):
    id: UUID
    prefix: str = Field(description="The key's first characters, to recognise it by.")
    name: str
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: ApiKeyRow) -> Self:
        return cls(
            id=row.id,
            prefix=row.prefix,
            name=row.name,
            scopes=list(row.scopes),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


class KeyCreated(KeyOut):
    key: str = Field(description="The key itself. It is shown this once and never again.")


class Me(BaseModel):
    """Who the key belongs to, and what it may do."""

    tenant: str
    scopes: list[str]
    key_prefix: str | None = Field(description="The key in use (null when auth is off).")
    auth: Literal["on", "off"]
    webhook_secret: str = Field(
        description="Signs this tenant's webhook deliveries: a Standard Webhooks secret "
        "(whsec_ and base64), given to a Standard Webhooks library as it is."
    )
    rate_limit_per_minute: int
    max_projects_in_flight: int
