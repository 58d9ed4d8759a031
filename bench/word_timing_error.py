"""How far estimated word timings are from the truth, for a voice that reports none.

    uv run python bench/word_timing_error.py

The truth is espeak-ng's own timings (its word events and the audio's loudness: exact to the
10 ms frame) of the speech it made; the same MP3 and text then go to the estimators a voice
without timings (OpenAI's, an OpenAI-compatible server's) would use: the old one, syllables
shared over the duration (``word_timing.estimate_word_timings``), and the new one, phonemes
and the audio's pauses (``word_alignment.aligned_word_timings``). It prints, per text and
voice, the mean absolute error of the units' starts and ends, in ms, and the mean of all.
Voices vary in variant and rate so the audio is not the phonemizer's default reading; the
English texts are also spoken by Piper (a neural voice whose timings come from its phoneme
alignments), when the offline-voice extra has it: truth from another engine than the one
whose phonemes weigh the words.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

from faceless_clip.voice.espeak_voice import EspeakVoice
from faceless_clip.voice.voice_maker import Speech, VoiceMaker, WordTiming
from faceless_clip.voice.word_alignment import aligned_word_timings
from faceless_clip.voice.word_timing import estimate_word_timings

CASES: tuple[tuple[str, str, int, str], ...] = (
    (
        "en",
        "en-us",
        165,
        "Honeybees visit about two million flowers to make one pound of honey. "
        "That is a lot of work, even for a hive of sixty thousand bees!",
    ),
    (
        "en",
        "en-us+f3",
        140,
        "In 1969, three astronauts flew to the Moon; two of them walked on it, "
        "while the third, Michael Collins, waited in orbit.",
    ),
    (
        "en",
        "en-gb+m3",
        200,
        "Tea was first drunk in China, as a medicine. Centuries later, it became "
        "an everyday drink, and then, slowly, the whole world's habit.",
    ),
    (
        "de",
        "de",
        160,
        "Die Honigbiene fliegt täglich bis zu drei Kilometer weit. Ein Volk sammelt "
        "im Sommer Nektar, Pollen und Wasser.",
    ),
    (
        "es",
        "es",
        170,
        "El volcán entró en erupción durante la noche. Por la mañana, las cenizas "
        "cubrían los tejados, los coches y las calles.",
    ),
    ("ja", "ja", 165, "今日は天気がいいので、公園で散歩をしました。桜の花がとても綺麗でした。"),
)


def boundary_errors(truth: tuple[WordTiming, ...], guess: tuple[WordTiming, ...]) -> list[int]:
    if [word.word for word in truth] != [word.word for word in guess]:
        raise AssertionError(f"units differ: {truth} / {guess}")
    return [
        abs(edge - other)
        for real, estimate in zip(truth, guess, strict=True)
        for edge, other in ((real.start_ms, estimate.start_ms), (real.end_ms, estimate.end_ms))
    ]


def piper() -> VoiceMaker | None:
    """Piper's bundled English voice, if the offline-voice extra is installed."""
    try:
        from faceless_clip.voice.piper_voice import PiperVoice, bundled_voice

        bundled_voice()
    except ImportError:
        return None
    return PiperVoice(None, Path(tempfile.gettempdir()) / "faceless-bench-piper")


async def measure(
    language: str, voice: str, rate: int, text: str, workdir: Path, maker: VoiceMaker | None = None
) -> tuple[float, float]:
    """Mean absolute boundary error (ms) of the old estimate and of the alignment, the truth
    spoken by ``maker`` (None: espeak-ng's ``voice`` at ``rate``)."""
    speaker = maker or EspeakVoice(voice, rate, language)
    speech: Speech = await speaker.speak(text, style="", out_path=workdir / f"{voice}-{rate}.mp3")
    old = estimate_word_timings(text, speech.duration_ms, language)
    new = await aligned_word_timings(speech.audio_path, text, language, speech.duration_ms)
    return (
        statistics.fmean(boundary_errors(speech.words, old)),
        statistics.fmean(boundary_errors(speech.words, new)),
    )


async def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory(prefix="faceless-bench-timing-") as workdir:
        for language, voice, rate, text in CASES:
            old, new = await measure(language, voice, rate, text, Path(workdir))
            rows.append((language, voice, rate, old, new))
        neural = piper()
        for language, _, _, text in CASES if neural is not None else ():
            if language == "en":
                old, new = await measure(language, "piper", 0, text, Path(workdir), neural)
                rows.append((language, "piper", 0, old, new))
    print(f"{'language':<9}{'voice':<11}{'wpm':>5}{'syllables':>12}{'aligned':>10}")
    for language, voice, rate, old, new in rows:
        wpm = str(rate) if rate else "-"
        print(f"{language:<9}{voice:<11}{wpm:>5}{old:>10.0f}ms{new:>8.0f}ms")
    old_mean = statistics.fmean(row[3] for row in rows)
    new_mean = statistics.fmean(row[4] for row in rows)
    print(f"{'mean':<25}{old_mean:>10.0f}ms{new_mean:>8.0f}ms")
    return 0 if new_mean < old_mean else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
