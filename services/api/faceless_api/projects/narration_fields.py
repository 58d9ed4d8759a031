"""The fields that say how a project's or series' narration is spoken: its language and its
speed, as the API reads them."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, Strict, StringConstraints
from pydantic_core import PydanticCustomError

from faceless_shared.db.projects import FASTEST_SPEED, SLOWEST_SPEED
from faceless_shared.languages import is_language_tag


def _language_tag(tag: str) -> str:
    if not is_language_tag(tag):
        raise PydanticCustomError(
            "language_tag",
            "'language' must be a BCP 47 language tag such as 'ja', 'es' or 'pt-BR'",
        )
    return tag


LanguageTag = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=35), AfterValidator(_language_tag)
]


def _speed(speed: float) -> float:
    """A clear 422 naming ``speed`` outside the range; hundredths are as fine as it goes."""
    if not SLOWEST_SPEED <= speed <= FASTEST_SPEED:
        raise PydanticCustomError(
            "speed_range",
            "'speed' must be between {slowest} and {fastest} (1.0: the voice's own pace, 0.8: "
            "slower, about 25 % longer)",
            {"slowest": SLOWEST_SPEED, "fastest": FASTEST_SPEED},
        )
    return round(speed, 2)


SPEED = (
    f"Speaking speed, {SLOWEST_SPEED} to {FASTEST_SPEED} in hundredths (1.0: the voice's own "
    "pace; 0.8: slower, the video about 25 % longer), applied by the voice provider itself; the "
    "captions follow"
)
Speed = Annotated[
    float,
    Strict(),  # a number: neither true (1.0) nor "0.8"
    AfterValidator(_speed),
    Field(json_schema_extra={"minimum": SLOWEST_SPEED, "maximum": FASTEST_SPEED}),
]
