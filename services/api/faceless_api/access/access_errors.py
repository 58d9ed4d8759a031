"""What access refuses: callers without a valid key or the scope a route needs, keys past
their limits, and key changes only the operator may make."""

from __future__ import annotations

from uuid import UUID

from faceless_api.api_errors import ApiError


class NotAuthenticated(ApiError):
    """No API key, an unknown or revoked one, or a media link that expired."""


class NotOnThisMachine(ApiError):
    def __init__(self) -> None:
        super().__init__("this API runs with FACELESS_AUTH=off and answers only on this machine")


class AdminScopeMissing(ApiError):
    def __init__(self) -> None:
        super().__init__("this needs a key with the admin scope (`faceless keys create --admin`)")


class RateLimited(ApiError):
    def __init__(self, limit: int, retry_after_s: int) -> None:
        super().__init__(
            f"more than {limit} requests a minute for this key; retry in {retry_after_s} s"
        )
        self.limit = limit
        self.retry_after_s = retry_after_s


class TooManyRefused(ApiError):
    """Answered before any key lookup, so made-up keys cost no database query."""

    def __init__(self, limit: int, retry_after_s: int) -> None:
        super().__init__(
            f"more than {limit} requests a minute without a valid key from this address; "
            f"retry in {retry_after_s} s"
        )
        self.limit = limit
        self.retry_after_s = retry_after_s


class TooManyStreams(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"this key already has {limit} open event streams (the limit); close one first"
        )
        self.limit = limit


class TooManyKeys(ApiError):
    def __init__(self, max_active: int) -> None:
        super().__init__(
            f"this tenant already has {max_active} active keys, the most allowed "
            "(FACELESS_MAX_KEYS_PER_TENANT): revoke one first"
        )


class RevokingOwnKey(ApiError):
    def __init__(self) -> None:
        super().__init__(
            "this is the key making the request: make a new key, switch to it, then revoke "
            "this one with it (or with `faceless keys revoke`)"
        )


class AdminKeyNotRevocable(ApiError):
    """Admin keys are the operator's, so a leaked one cannot lock the others out."""

    def __init__(self) -> None:
        super().__init__("admin keys are revoked by the operator: `faceless keys revoke PREFIX`")


class KeyNotFound(ApiError):
    def __init__(self, key_id: UUID) -> None:
        super().__init__("key not found")
        self.key_id = key_id


class TenantNotFound(ApiError):
    def __init__(self, tenant_id: UUID) -> None:
        super().__init__("tenant not found")
        self.tenant_id = tenant_id
