"""OpenAIImages against recorded-shape responses of ``POST /v1/images/generations``, mocked at
the HTTP layer.

The SDK speaks httpx2, which respx does not patch, so its requests reach a respx router
through ``tests.respx_bridge.bridge_to``: the SDK's own retries, headers and parsing
all run. Error replies carry ``retry-after-ms: 1`` so the SDK's backoff takes a millisecond.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import respx
from PIL import Image

from faceless_clip.images.openai_images import OpenAIImageError, OpenAIImages
from faceless_shared.runtime.settings import Settings
from tests.respx_bridge import bridge_to
from tests.unit.image_provider_calls import (
    ADDITION,
    PROMPT,
    draw,
    gradient_png,
    recorded,
    sent_body,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openai_images"
URL = "https://api.openai.com/v1/images/generations"
MODEL = "gpt-image-1"
KEY = "sk-test-openai-key"
FAST_RETRY = {"retry-after-ms": "1"}


def reply(status: int, name: str) -> httpx.Response:
    return httpx.Response(status, json=recorded(FIXTURES / name), headers=FAST_RETRY)


def image_reply(size: str = "1024x1536") -> httpx.Response:
    width, height = (int(side) for side in size.split("x"))
    png = gradient_png(width, height)
    body = recorded(FIXTURES / "generations_image.json", png) | {"size": size}
    return httpx.Response(200, json=body, headers={"x-request-id": "req_0f1e2d3c4b5a"})


@pytest.fixture(autouse=True)
def no_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def router() -> respx.MockRouter:
    return respx.MockRouter(using=None)


MakeImages = Callable[..., OpenAIImages]


@pytest.fixture
def make_images(router: respx.MockRouter) -> MakeImages:
    def make(model: str = MODEL, max_retries: int = 3) -> OpenAIImages:
        return OpenAIImages(
            api_key=KEY,
            model=model,
            timeout_s=10.0,
            max_retries=max_retries,
            concurrency=2,
            http_client=bridge_to(router),
        )

    return make


# --- success ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "asked"),
    [((1080, 1920), "1024x1536"), ((1920, 1080), "1536x1024"), ((1080, 1080), "1024x1024")],
)
async def test_draws_a_png_of_the_exact_frame(
    router: respx.MockRouter,
    make_images: MakeImages,
    tmp_path: Path,
    size: tuple[int, int],
    asked: str,
) -> None:
    route = router.post(URL).mock(return_value=image_reply(asked))
    out, usage = await draw(make_images(), tmp_path, size)

    with Image.open(out) as picture:
        assert (picture.format, picture.size, picture.mode) == ("PNG", size, "RGB")
    body = sent_body(route)
    assert (body["model"], body["size"], body["n"]) == (MODEL, asked, 1)
    assert "response_format" not in body
    assert usage.provider == "openai"
    assert usage.model == MODEL
    assert usage.units == {"images": 1, "input_tokens": 38, "output_tokens": 1056}
    assert usage.latency_ms >= 0


async def test_sends_the_prompt_with_the_look_and_the_key(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    route = router.post(URL).mock(return_value=image_reply())
    images = make_images()
    await draw(images, tmp_path, (1920, 1080))

    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {KEY}"
    prompt = sent_body(route)["prompt"]
    assert prompt.startswith(f"{PROMPT}, {ADDITION}, horizontal widescreen composition")
    assert "no text" in prompt and "no watermark" in prompt
    assert images.name == "openai"
    assert images.identity == f"openai:{MODEL}"


async def test_dall_e_3_is_asked_for_its_sizes_in_base64(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    body = recorded(FIXTURES / "generations_image.json", gradient_png(1024, 1792))
    del body["usage"]
    route = router.post(URL).mock(return_value=httpx.Response(200, json=body))
    out, usage = await draw(make_images("dall-e-3"), tmp_path)

    sent = sent_body(route)
    assert (sent["size"], sent["response_format"]) == ("1024x1792", "b64_json")
    with Image.open(out) as picture:
        assert picture.size == (1080, 1920)
    assert usage.units == {"images": 1}


# --- retries ------------------------------------------------------------------------------


async def test_a_rate_limit_is_retried_once(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    route = router.post(URL).mock(side_effect=[reply(429, "error_429.json"), image_reply()])
    out, _ = await draw(make_images(), tmp_path)

    assert route.call_count == 2
    assert out.exists()


async def test_a_server_error_storm_gives_up_after_the_retries(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    route = router.post(URL).mock(side_effect=lambda request: reply(500, "error_500.json"))
    with pytest.raises(OpenAIImageError, match="openai 500: The server had an error"):
        await draw(make_images(max_retries=2), tmp_path)

    assert route.call_count == 3
    assert not (tmp_path / "image.png").exists()


# --- refusals: one call, the provider's message -------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "error_moderation_blocked.json",
            r"refused the prompt \(moderation_blocked\): Your request was rejected by the safety",
        ),
        (
            "error_content_policy_violation.json",
            r"refused the prompt \(content_policy_violation\): Your request was rejected as a",
        ),
        ("error_400_invalid_size.json", "openai 400 invalid_value: Invalid value: '1024x1792'"),
    ],
)
async def test_a_bad_request_is_not_retried(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path, name: str, message: str
) -> None:
    route = router.post(URL).mock(return_value=reply(400, name))
    with pytest.raises(OpenAIImageError, match=message):
        await draw(make_images(), tmp_path)

    assert route.call_count == 1
    assert not (tmp_path / "image.png").exists()


async def test_a_response_without_an_image_is_an_error(
    router: respx.MockRouter, make_images: MakeImages, tmp_path: Path
) -> None:
    body = recorded(FIXTURES / "generations_image.json") | {"data": []}
    router.post(URL).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(OpenAIImageError, match="no b64_json"):
        await draw(make_images(), tmp_path)


# --- composition --------------------------------------------------------------------------


def test_from_settings_needs_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "FACELESS_OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="OPENAI_API_KEY"):
        OpenAIImages.from_settings(Settings())

    images = OpenAIImages.from_settings(Settings.model_validate({"OPENAI_API_KEY": KEY}))
    assert images.identity == "openai:gpt-image-1"
