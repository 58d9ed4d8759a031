"""Every language end to end: a two-sentence script in each of seven languages, the real
pipeline with offline providers, the final video's captions read back by Tesseract."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import httpx
import pytest

from faceless_shared.db import clips
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import LocalStorage, final_key
from tests.e2e.waiting import wait_for_project
from tests.text_in_frames import TESSERACT_DATA, read_captions, share_read, tesseract_has

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Sample:
    language: str
    script: str
    ms_per_letter: tuple[int, int]
    """The narration's length per letter that speech in this language takes (espeak-ng at
    the default pace, with room either side)."""

    @property
    def by_character(self) -> bool:
        return self.language in {"ja", "zh"}


SAMPLES = (
    Sample(
        "en",
        "Honeybees dance to show their sisters where the best flowers grow. "
        "The dance points the way to the food.",
        (50, 150),
    ),
    Sample(
        "es",
        "Las abejas bailan para mostrar dónde crecen las mejores flores. "
        "El baile señala el camino hacia la comida.",
        (50, 150),
    ),
    Sample(
        "ru",
        "Пчёлы танцуют, чтобы показать, где растут лучшие цветы. Танец указывает путь к еде.",
        (50, 150),
    ),
    Sample(
        "ar",
        "النحل يرقص ليخبر أخواته أين توجد أفضل الزهور. الرقصة تشير إلى طريق الطعام.",
        (70, 220),
    ),
    Sample(
        "hi",
        "मधुमक्खियाँ नाचकर बताती हैं कि सबसे अच्छे फूल कहाँ हैं। नाच भोजन का रास्ता दिखाता है।",
        (100, 280),
    ),
    Sample(
        "ja",
        "ミツバチは踊って仲間に花の場所を教えます。その踊りは食べ物への道を示します。",
        (120, 400),
    ),
    Sample("zh", "蜜蜂通过跳舞告诉同伴哪里有最好的花。舞蹈指出了通往食物的路。", (200, 550)),
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The offline voice as a user gets it: Piper for English, espeak-ng for the others."""
    return settings.model_copy(update={"voice": None})


def _letters(text: str) -> int:
    """Letters, digits and the vowel signs of Devanagari and Arabic, as espeak-ng reads them."""
    return sum(1 for character in text if character.isalnum())


async def _create(api: httpx.AsyncClient, sample: Sample) -> UUID:
    response = await api.post(
        "/v1/projects", json={"script": sample.script, "duration": 15, "aspect": "1:1"}
    )
    assert response.status_code == 202, response.text
    return UUID(response.json()["id"])


@pytest.mark.skipif(
    not all(tesseract_has(TESSERACT_DATA[sample.language]) for sample in SAMPLES),
    reason="Tesseract with eng, spa, rus, ara, hin, jpn and chi_sim data is not installed",
)
async def test_scripts_in_seven_languages_are_narrated_and_captioned_legibly(
    settings: Settings, workers: object, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    made = {sample.language: await _create(api, sample) for sample in SAMPLES}
    finished = await asyncio.gather(
        *(
            wait_for_project(pool, pid, ("completed", "failed"), timeout_s=300)
            for pid in made.values()
        )
    )
    storage = LocalStorage(settings.storage_dir)
    problems: list[str] = []
    for sample, project in zip(SAMPLES, finished, strict=True):
        assert project.status == "completed", (sample.language, project.error_message)
        assert project.language == sample.language, "the language was not recognised"
        async with pool.acquire() as conn:
            clip_rows = await clips.list_clips(conn, project.id)
        problems += _narration_problems(sample, clip_rows)
        read = await asyncio.to_thread(
            read_captions, storage.path(final_key(project.id, 1)), sample.language
        )
        assert read, f"{sample.language}: no caption found on any frame"
        share = share_read(
            sample.script, " ".join(frame.text for frame in read), by_character=sample.by_character
        )
        if share < 0.5:
            problems.append(
                f"{sample.language}: captions read back hold {share:.0%} of the script: "
                + " | ".join(frame.text.strip() for frame in read)
            )
        problems += await _sidecar_problems(api, sample, project.id)
        for frame in read:
            if frame.left <= 0 or frame.right >= frame.width - 1:
                problems.append(f"{sample.language}: a caption touches the frame's edge")
    assert not problems, "\n".join(problems)


def _narration_problems(sample: Sample, clip_rows: list[clips.ClipRow]) -> list[str]:
    problems = []
    for clip in clip_rows:
        spoken_by = getattr(clip, "spoken_by", None)
        voice = {"zh": "espeak:cmn", "en": "piper:en_US"}.get(
            sample.language, f"espeak:{sample.language}"
        )  # the offline default: Piper for English, espeak-ng for the others
        if spoken_by is None or not spoken_by.startswith(voice):
            problems.append(f"{sample.language}: clip {clip.clip_index} spoken by {spoken_by}")
        assert clip.duration_ms is not None
        per_letter = clip.duration_ms / max(1, _letters(clip.script))
        low, high = sample.ms_per_letter
        if not low <= per_letter <= high:
            problems.append(
                f"{sample.language}: clip {clip.clip_index} takes {per_letter:.0f} ms a letter, "
                f"outside {low}-{high}"
            )
    return problems


async def _sidecar_problems(api: httpx.AsyncClient, sample: Sample, project_id: UUID) -> list[str]:
    """The WebVTT file holds the script as written, in the project's language."""
    response = await api.get(f"/v1/projects/{project_id}/captions.vtt")
    if response.status_code != 200:
        return [f"{sample.language}: captions.vtt answered {response.status_code}"]
    cues = [line for line in response.text.splitlines()[1:] if line and "-->" not in line]
    text = " ".join(line for line in cues if not line.startswith("Language:"))
    share = share_read(sample.script, text, by_character=sample.by_character)
    if share < 0.9 or response.headers.get("content-language") != sample.language:
        return [f"{sample.language}: captions.vtt holds {share:.0%} of the script: {text[:80]}"]
    return []
