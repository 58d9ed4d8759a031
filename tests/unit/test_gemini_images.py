"""GeminiImages against recorded-shape responses of the Gemini API, mocked at the HTTP layer.

The SDK speaks httpx2, which respx does not patch, so its requests reach a respx router
through ``tests.respx_bridge.bridge_to``: the SDK's own retries, headers and parsing
all run. The fitting of the picture to the frame is tested here too.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import respx
from PIL import Image

from faceless_clip.images.gemini_images import GeminiImageError, GeminiImages
from faceless_clip.images.image_fitting import fit_to_frame, frame_aspect, image_prompt
from faceless_shared.runtime.settings import Settings
from tests.respx_bridge import bridge_to
from tests.unit.image_provider_calls import (
    ADDITION,
    PROMPT,
    STYLE,
    draw,
    gradient_png,
    recorded,
    sent_body,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "gemini"
API = "https://generativelanguage.googleapis.com/v1beta/models"
MODEL = "gemini-2.5-flash-image"
KEY = "test-gemini-key"
# What gemini-2.5-flash-image returns for each aspect.
MODEL_SIZES = {"9:16": (768, 1344), "16:9": (1344, 768), "1:1": (1024, 1024)}


def reply(status: int, name: str, png: bytes | None = None) -> httpx.Response:
    return httpx.Response(status, json=recorded(FIXTURES / name, png))


def image_reply(aspect: str = "9:16") -> httpx.Response:
    return reply(200, "generate_content_image.json", gradient_png(*MODEL_SIZES[aspect]))


@pytest.fixture(autouse=True)
def no_google_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def router() -> respx.MockRouter:
    return respx.MockRouter(using=None)


MakeImages = Callable[..., GeminiImages]


@pytest.fixture
def make_images(router: respx.MockRouter) -> MakeImages:
    def make(model: str = MODEL, max_retries: int = 3, concurrency: int = 2) -> GeminiImages:
        return GeminiImages(
            api_key=KEY,
            model=model,
            timeout_s=10.0,
            max_retries=max_retries,
            concurrency=concurrency,
            backoff_s=0.0,
            http_client=bridge_to(router),
        )

    return make


# --- success ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "aspect"),
    [((1080, 1920), "9:16"), ((1920, 1080), "16:9"), ((1080, 1080), "1:1")],
)
async def test_draws_a_png_of_the_exact_frame(
    router: respx.MockRouter,
    make_images: MakeImages,
    tmp_path: Path,
    size: tuple[int, int],
    aspect: str,
) -> None:
    route = router.post(f"{API}/{MODEL}:generateContent").mock(return_value=image_reply(aspect))
    out, usage = await draw(make_images(), tmp_path, size)

    with Image.open(out) as picture:
        assert (picture.format, picture.size, picture.mode) == ("PNG", size, "RGB")
    body = sent_body(route)
    assert body["generationConfig"]["responseModalities"] == ["IMAGE"]
    assert body["generationConfig"]["imageConfig"] == {"aspectRatio": aspect}
    assert usage.provider == "gemini"
    assert usage.model == MODEL
    assert usage.units == {"images": 1, "input_tokens": 31, "output_tokens": 1290}
    assert usage.latency_ms >= 0


async def test_sends_the_prompt_with_the_look_and_the_key(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    route = router.post(f"{API}/{MODEL}:generateContent").mock(return_value=image_reply())
    images = make_images()
    await draw(images, tmp_path)

    request = route.calls.last.request
    assert request.headers["x-goog-api-key"] == KEY
    (text,) = (part["text"] for part in sent_body(route)["contents"][0]["parts"])
    assert text.startswith(f"{PROMPT}, {ADDITION}, vertical composition")
    assert "no text" in text and "no watermark" in text
    assert images.name == "gemini"
    assert images.identity == f"gemini:{MODEL}"


async def test_calls_at_once_are_limited(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    in_flight, most = 0, 0

    async def slow_image(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return image_reply("1:1")

    route = router.post(f"{API}/{MODEL}:generateContent").mock(side_effect=slow_image)
    images = make_images(concurrency=2)
    await asyncio.gather(
        *(
            images.draw(PROMPT, style=STYLE, width=64, height=64, out_path=tmp_path / f"{n}.png")
            for n in range(5)
        )
    )

    assert route.call_count == 5
    assert most == 2


# --- retries ------------------------------------------------------------------------------


async def test_a_rate_limit_is_retried_once(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    route = router.post(f"{API}/{MODEL}:generateContent").mock(
        side_effect=[reply(429, "error_429.json"), image_reply()]
    )
    out, _ = await draw(make_images(), tmp_path)

    assert route.call_count == 2
    assert out.exists()


async def test_a_server_error_storm_gives_up_after_the_retries(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    route = router.post(f"{API}/{MODEL}:generateContent").mock(
        side_effect=lambda request: reply(500, "error_500.json")
    )
    with pytest.raises(GeminiImageError, match="500 INTERNAL: An internal error has occurred"):
        await draw(make_images(max_retries=2), tmp_path)

    assert route.call_count == 3
    assert not (tmp_path / "image.png").exists()


# --- refusals: one call, the provider's reason --------------------------------------------


async def test_a_bad_request_is_not_retried(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    route = router.post(f"{API}/{MODEL}:generateContent").mock(
        return_value=reply(400, "error_400_api_key.json")
    )
    with pytest.raises(GeminiImageError, match="400 INVALID_ARGUMENT: API key not valid"):
        await draw(make_images(), tmp_path)

    assert route.call_count == 1


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("generate_content_prompt_blocked.json", r"blocked the prompt \(PROHIBITED_CONTENT\)"),
        ("generate_content_image_safety.json", "no image: finish reason IMAGE_SAFETY"),
        ("generate_content_text_only.json", "I can't create an image of a real person"),
    ],
)
async def test_no_image_is_an_error_with_the_reason(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path, name: str, reason: str
) -> None:
    route = router.post(f"{API}/{MODEL}:generateContent").mock(return_value=reply(200, name))
    with pytest.raises(GeminiImageError, match=reason):
        await draw(make_images(), tmp_path)

    assert route.call_count == 1
    assert not (tmp_path / "image.png").exists()


# --- composition --------------------------------------------------------------------------


def test_from_settings_needs_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GEMINI_API_KEY", "FACELESS_GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="GEMINI_API_KEY"):
        GeminiImages.from_settings(Settings())

    images = GeminiImages.from_settings(Settings.model_validate({"GEMINI_API_KEY": KEY}))
    assert images.identity == "gemini:gemini-2.5-flash-image"


def test_imagen_models_are_refused_up_front(make_images: MakeImages) -> None:
    with pytest.raises(ValueError, match="Vertex AI"):
        make_images("imagen-4.0-generate-001")


# --- fitting the picture to the frame -----------------------------------------------------


@pytest.mark.parametrize(
    ("size", "aspect"),
    [((1080, 1920), "9:16"), ((1920, 1080), "16:9"), ((1080, 1080), "1:1"), ((720, 1300), "9:16")],
)
def test_frame_aspect_is_the_nearest(size: tuple[int, int], aspect: str) -> None:
    assert frame_aspect(*size) == aspect


def test_image_prompt_skips_an_empty_look() -> None:
    assert image_prompt("A fox in snow.", "", "1:1") == (
        "A fox in snow, square composition, no text, no captions, no watermark"
    )
    with pytest.raises(ValueError, match="empty"):
        image_prompt("  ", ADDITION, "1:1")


def test_fit_covers_the_frame_and_keeps_the_centre() -> None:
    thirds = Image.new("RGB", (300, 100), "red")
    thirds.paste((0, 255, 0), (100, 0, 200, 100))
    thirds.paste((0, 0, 255), (200, 0, 300, 100))
    buffer = io.BytesIO()
    thirds.save(buffer, format="PNG")

    fitted = fit_to_frame(buffer.getvalue(), 90, 160)

    assert fitted.size == (90, 160)
    assert fitted.getpixel((45, 80)) == (0, 255, 0)
    assert fitted.getpixel((0, 0)) == fitted.getpixel((89, 159)) == (0, 255, 0)


def test_fit_rejects_bytes_that_are_not_an_image() -> None:
    with pytest.raises(ValueError, match="cannot be decoded"):
        fit_to_frame(b"<html>not an image</html>", 1080, 1920)
