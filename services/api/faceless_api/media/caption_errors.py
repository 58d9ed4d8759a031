"""What making a version's sidecar captions can run into."""

from __future__ import annotations

from uuid import UUID

from faceless_api.api_errors import ApiError


class CaptionsUnavailable(ApiError):
    """Nothing is rendered yet, or the version's clips can no longer be known: it was made
    before finals recorded the clips they joined, and its clips have changed since."""

    @classmethod
    def not_rendered(cls, project_id: UUID, status: str) -> CaptionsUnavailable:
        return cls(f"project {project_id} has no video yet to caption (status: {status})")

    @classmethod
    def clips_changed(cls, project_id: UUID, version: int) -> CaptionsUnavailable:
        return cls(
            f"the captions of version {version} of project {project_id} cannot be made: the "
            "video does not record the clips it joined, and its clips have changed since"
        )
