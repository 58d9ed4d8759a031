"""The offline provider's catalogue (GET /v1/voices): Piper's voice is the default for its
language, espeak-ng's voices for every other; both can be named."""

from __future__ import annotations

from pathlib import Path

from faceless_api.catalog.voice_schemas import VoicesOut
from faceless_shared.runtime.settings import Settings
from faceless_shared.voices.voice_catalog import voice_catalog


def test_offline_is_the_default_and_piper_speaks_english() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.voice_choice() == "piper"
    catalog = voice_catalog(settings)
    listed = VoicesOut.from_catalog(catalog)
    assert (listed.provider, listed.default) == ("piper", "en_US-joe-medium")
    assert listed.voices[0].id == "en_US-joe-medium" and "en" in listed.languages
    english = catalog.in_language("en-GB")
    assert english.default == "en_US-joe-medium"
    assert {"en_US-joe-medium", "en-gb-x-rp"} <= {voice.id for voice in english.voices}
    japanese = catalog.in_language("ja")
    assert (japanese.default, [voice.id for voice in japanese.voices]) == ("ja", ["ja"])
    assert catalog.knows("en_US-joe-medium") and catalog.knows("en-gb+f3")
    assert not catalog.knows("en_US-amy-low") and not catalog.speaks("xx")


def test_another_piper_voice_is_named_by_its_file() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        piper_voice=Path("/voices/de_DE-thorsten-medium.onnx"),
        espeak_voice="en-gb",
    )
    catalog = voice_catalog(settings)
    assert catalog.default == "de_DE-thorsten-medium"
    assert catalog.in_language("de").default == "de_DE-thorsten-medium"
    assert catalog.in_language("en").default == "en-gb"
    espeak = voice_catalog(Settings(_env_file=None, voice="espeak"))  # type: ignore[call-arg]
    assert (espeak.provider, espeak.default, espeak.piper_voice) == ("espeak", "en-us", None)
