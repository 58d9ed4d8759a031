"""The clip worker's composition root: providers are chosen here, once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from faceless_clip.clip_rendering import ClipMakers
from faceless_clip.handlers import register_handlers
from faceless_clip.images.drawn_images import DrawnImages
from faceless_clip.images.gemini_images import GeminiImages
from faceless_clip.images.image_maker import ImageMaker
from faceless_clip.images.openai_images import OpenAIImages
from faceless_clip.voice.cartesia_voice import CartesiaVoice
from faceless_clip.voice.elevenlabs_voice import ElevenLabsVoice
from faceless_clip.voice.offline_voice import MissingVoice, OfflineVoice, espeak_voice
from faceless_clip.voice.openai_voice import OpenAIVoice
from faceless_clip.voice.voice_maker import VoiceMaker
from faceless_shared.runtime.service import Closable, Resources, Service
from faceless_shared.runtime.settings import Settings, SettingsError

if TYPE_CHECKING:
    from faceless_clip.voice.espeak_voice import EspeakVoice


def choose_voice(
    settings: Settings,
) -> CartesiaVoice | ElevenLabsVoice | OpenAIVoice | OfflineVoice | EspeakVoice | MissingVoice:
    choice = settings.voice_choice()
    if choice == "cartesia":
        _require(settings.cartesia_api_key, "FACELESS_VOICE=cartesia needs CARTESIA_API_KEY")
        return CartesiaVoice.from_settings(settings)
    if choice == "elevenlabs":
        _require(settings.elevenlabs_api_key, "FACELESS_VOICE=elevenlabs needs ELEVENLABS_API_KEY")
        return ElevenLabsVoice.from_settings(settings)
    if choice == "openai":
        _require(
            settings.openai_api_key or settings.openai_base_url,
            "FACELESS_VOICE=openai needs OPENAI_API_KEY, or FACELESS_OPENAI_BASE_URL "
            "for a local OpenAI-compatible server",
        )
        return OpenAIVoice.from_settings(settings)
    if choice == "espeak":
        return espeak_voice(settings.espeak_voice, settings.words_per_minute)
    return OfflineVoice.create(
        piper_voice=settings.piper_voice,
        cache_dir=settings.cache_folder(),
        espeak=settings.espeak_voice,
        words_per_minute=settings.words_per_minute,
    )


def choose_images(settings: Settings) -> GeminiImages | OpenAIImages | DrawnImages:
    choice = settings.images_choice()
    if choice == "gemini":
        _require(settings.gemini_api_key, "FACELESS_IMAGES=gemini needs GEMINI_API_KEY")
        return GeminiImages.from_settings(settings)
    if choice == "openai":
        _require(settings.openai_api_key, "FACELESS_IMAGES=openai needs OPENAI_API_KEY")
        return OpenAIImages.from_settings(settings)
    return DrawnImages()


def _require(setting: object, problem: str) -> None:
    """A key set to "" counts as unset."""
    if not setting:
        raise SettingsError(problem)


def create_service(
    settings: Settings, *, voice: VoiceMaker | None = None, images: ImageMaker | None = None
) -> Service:
    """Makers passed in stay their caller's to close; those chosen here are closed when
    the service stops."""
    made: list[Closable] = []
    if voice is None:
        voice = choose_voice(settings)
        made.append(voice)
    if images is None:
        images = choose_images(settings)
        made.append(images)
    makers = ClipMakers(
        voice=voice,
        images=images,
        ffmpeg_timeout_s=settings.ffmpeg_timeout_s,
        prices=settings.prices,
        lease_s=settings.lease_s,
        # two single-threaded renders side by side beat one two-threaded one (bench/render.py)
        render_threads=1 if settings.clip_concurrency > 1 else None,
        max_attempts=settings.max_attempts,
        max_speech_s=settings.clip_speech_limit_s(),
    )

    def register(resources: Resources) -> None:
        register_handlers(resources, makers)

    return Service("clip", settings, register, providers=made)
