"""What the API reads and writes about voices: a project's or series' ``voice``, and the
configured provider's voices to pick it from."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, StringConstraints

from faceless_shared.voices.voice_catalog import VoiceCatalog

Voice = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+:-]{0,99}$"),
    Field(
        description="The voice to narrate with, one the configured voice provider speaks "
        "(GET /v1/voices lists them; another is refused with a 422): the Piper voice "
        "(en_US-joe-medium), an espeak-ng voice or language (en-gb, en-us+f3), a Cartesia "
        "voice id (a UUID), or an OpenAI voice (alloy).",
        examples=["en-gb"],
    ),
]


class VoiceOut(BaseModel):
    id: str = Field(description="Pass it as a project's or series' `voice`.")
    name: str
    languages: list[str] = Field(
        description="Other names that choose this voice (espeak: the languages it speaks)."
    )


class VoicesOut(BaseModel):
    """The voices a project or series may name: the configured voice provider's."""

    provider: Literal["cartesia", "openai", "piper", "espeak"] = Field(
        description="The voice provider this deployment uses (FACELESS_VOICE, else by key)."
    )
    default: str = Field(
        description="The voice of a project and series that name none (with `language`: of "
        "one in that language; espeak-ng picks the language's own voice)."
    )
    any_id: bool = Field(
        description="Any voice id of the provider's form is accepted (Cartesia: a UUID; an "
        "OpenAI-compatible server: any name): its list is the provider's, not known here."
    )
    voices: list[VoiceOut] = Field(description="Every voice known here; empty when any_id.")
    variants: list[str] = Field(
        description='What may follow a voice and "+" (espeak: en-gb+f3); empty for others.'
    )
    note: str
    languages: list[str] = Field(
        description="The languages (BCP 47) the provider's voices speak; a project in another "
        "is refused (422). Empty: not known here (an OpenAI-compatible server), any is taken."
    )
    language: str | None = Field(
        description="The language asked for (`?language=`): `voices` are those that speak it, "
        "none when no voice of the provider does."
    )

    @classmethod
    def from_catalog(cls, catalog: VoiceCatalog) -> Self:
        return cls.model_validate(
            {
                "provider": catalog.provider,
                "default": catalog.default,
                "any_id": catalog.any_id,
                "voices": [
                    VoiceOut(id=voice.id, name=voice.name, languages=list(voice.languages))
                    for voice in catalog.voices
                ],
                "variants": list(catalog.variants),
                "note": catalog.note,
                "languages": list(catalog.languages),
                "language": catalog.language,
            }
        )
