"""What the catalog refuses or cannot find: presets, series and music tracks."""

from __future__ import annotations

from uuid import UUID

from pydantic import ValidationError

from faceless_api.api_errors import ApiError, RefusedValue, value_problem


class PresetNotFound(ApiError):
    def __init__(self, name: str) -> None:
        super().__init__(f"preset {name!r} not found")


class PresetReadOnly(ApiError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"preset {name!r} is built in and read-only; create your own under another "
            "name (POST /v1/presets) to change its look"
        )


class PresetNameTaken(ApiError):
    def __init__(self, name: str, *, built_in: bool) -> None:
        whose = "a built-in preset" if built_in else "another of your presets"
        super().__init__(f"the name {name!r} is taken by {whose}")


class PresetInUse(ApiError):
    def __init__(self, name: str, series_names: list[str]) -> None:
        super().__init__(
            f"preset {name!r} is the default of series {', '.join(map(repr, series_names))}: "
            "give them another preset (PATCH /v1/series/{id}) or archive them first"
        )


class InvalidStyle(RefusedValue):
    """A style the clip worker could not use; pydantic's errors, located in the request's
    ``style_json``."""

    def __init__(self, error: ValidationError) -> None:
        located = [
            {**item, "loc": ("body", "style_json", *item["loc"])}
            for item in error.errors(include_url=False)
        ]
        super().__init__(str(error), located)


class SeriesNotFound(ApiError):
    def __init__(self, series_id: UUID) -> None:
        super().__init__(f"series {series_id} not found")


class SeriesNameTaken(ApiError):
    def __init__(self, name: str) -> None:
        super().__init__(f"you already have a series called {name!r}")


class UnknownPreset(RefusedValue):
    """A project or a series names a preset the tenant does not have."""

    def __init__(self, name: str, known: list[str]) -> None:
        message = f"unknown preset {name!r}; known presets: {', '.join(known)}"
        super().__init__(
            message, [value_problem(("body", "preset"), message, name, {"known": known})]
        )
        self.name = name
        self.known = known


class MusicRejected(RefusedValue):
    """The upload is not music we accept."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [value_problem(("body", "file"), message, None)])


class MusicTooLarge(ApiError):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"music files are limited to {max_bytes // (1024 * 1024)} MB")


class UploadLengthUnknown(ApiError):
    def __init__(self) -> None:
        super().__init__("send the upload's Content-Length")


class UnknownMusic(RefusedValue):
    """A project's ``music`` names no track of the tenant's."""

    def __init__(self, music_id: UUID) -> None:
        message = f"no uploaded music with id {music_id} (upload it with POST /v1/music)"
        super().__init__(message, [value_problem(("body", "music"), message, str(music_id))])
        self.music_id = music_id


class NoSuchMusic(ApiError):
    def __init__(self, music_id: UUID) -> None:
        super().__init__(f"no music track {music_id}")
        self.music_id = music_id


class MusicUploadInFlight(ApiError):
    """The tenant's uploads being checked already fill its slots in this API process."""

    def __init__(self, per_tenant: int) -> None:
        uploads = "an upload" if per_tenant == 1 else f"{per_tenant} uploads"
        super().__init__(
            f"you have {uploads} of music being checked already (at most {per_tenant} at once, "
            "FACELESS_MUSIC_PROBES_PER_TENANT); send this one when that is done"
        )


class MusicChecksBusy(ApiError):
    """Every music check of this API process stayed busy for the whole wait."""

    def __init__(self, probes: int, waited_s: float) -> None:
        super().__init__(
            f"all {probes} music checks of this server (FACELESS_MUSIC_PROBES) stayed busy for "
            f"{waited_s:g} s; send the upload again shortly"
        )


class MusicQuotaReached(ApiError):
    """The tenant's stored music would pass one of its quotas."""


class TooManyMusicTracks(MusicQuotaReached):
    def __init__(self, max_tracks: int) -> None:
        super().__init__(
            f"you keep {max_tracks} music tracks, the most allowed "
            "(FACELESS_MAX_MUSIC_TRACKS_PER_TENANT); delete one (DELETE /v1/music/{id}) first"
        )


class TooMuchMusic(MusicQuotaReached):
    def __init__(self, max_bytes: int, used: int, incoming: int) -> None:
        super().__init__(
            f"this upload ({_mb(incoming)}) would pass your {_mb(max_bytes)} of stored music "
            f"(FACELESS_MAX_MUSIC_BYTES_PER_TENANT; {_mb(used)} used); delete tracks "
            "(DELETE /v1/music/{id}) first"
        )


class MusicInUse(ApiError):
    def __init__(self, music_id: UUID, project_ids: list[UUID]) -> None:
        super().__init__(
            f"music track {music_id} is the music of projects that have not ended "
            f"({', '.join(map(str, project_ids))}); delete it once they end, or cancel them"
        )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
