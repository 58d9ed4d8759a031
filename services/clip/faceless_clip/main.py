"""The clip worker's composition root: providers are chosen here, once."""

from __future__ import annotations

from faceless_clip.cartesia_voice import CartesiaVoice
from faceless_clip.clip_rendering import ClipMakers
from faceless_clip.gemini_images import GeminiImages
from faceless_clip.handlers import register_handlers
from faceless_clip.images import DrawnImages, ImageMaker
from faceless_clip.openai_images import OpenAIImages
from faceless_clip.openai_voice import OpenAIVoice
from faceless_clip.voice import EspeakVoice, VoiceMaker
from faceless_shared.service import Closable, Resources, WorkerService
from faceless_shared.settings import Settings


def choose_voice(settings: Settings) -> CartesiaVoice | OpenAIVoice | EspeakVoice:
    choice = settings.voice_choice()
    if choice == "cartesia":
        return CartesiaVoice.from_settings(settings)
    if choice == "openai":
        return OpenAIVoice.from_settings(settings)
    return EspeakVoice(settings.espeak_voice, settings.words_per_minute)


def choose_images(settings: Settings) -> GeminiImages | OpenAIImages | DrawnImages:
    choice = settings.images_choice()
    if choice == "gemini":
        return GeminiImages.from_settings(settings)
    if choice == "openai":
        return OpenAIImages.from_settings(settings)
    return DrawnImages()


def create_service(
    settings: Settings, *, voice: VoiceMaker | None = None, images: ImageMaker | None = None
) -> WorkerService:
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
    )

    def register(resources: Resources) -> None:
        register_handlers(resources, makers)

    return WorkerService("clip", settings, register, providers=made)
