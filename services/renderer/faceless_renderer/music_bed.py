"""The built-in music bed: a short loop the project composes itself, so no copyrighted file
is ever needed for tests, the demo, or a user who wants music without supplying any.

Four bars at 96 BPM in A minor (Am, F, C, G): a soft sine pad holding each chord, a plucked
eighth-note arpeggio bouncing between the channels, a bass note on beats one and three and a
quiet noise shaker on the off-beats. Every voice fades to silence at each bar line, so the
loop repeats without a click. FFmpeg's ``aevalsrc`` renders it (about 0.2 s for the loop).
"""

from __future__ import annotations

from pathlib import Path

from faceless_shared.media import atomic_output, run_ffmpeg

BPM = 96
BEAT_S = 60 / BPM
BAR_S = 4 * BEAT_S
SAMPLE_RATE = 48000

# Each bar's chord as (root, third, fifth) in Hz, from A3 = 220 Hz.
CHORDS: tuple[tuple[float, float, float], ...] = (
    (220.00, 261.63, 329.63),  # A minor: A3 C4 E4
    (174.61, 220.00, 261.63),  # F major: F3 A3 C4
    (261.63, 329.63, 392.00),  # C major: C4 E4 G4
    (196.00, 246.94, 293.66),  # G major: G3 B3 D4
)
LOOP_S = BAR_S * len(CHORDS)
ARPEGGIO = (0, 1, 2, 1, 0, 1, 2, 1)  # chord tone per eighth note, an octave up
PAD_FADE_S = 0.35

# aevalsrc variables: 0 time in bar, 1 bar index, 2-4 chord tones, 5 eighth index,
# 6 time in eighth, 7 time in half note, 8 pad envelope, 9 the noise generator's state.
_PREAMBLE = (
    f"st(1,floor(mod(t,{LOOP_S:.6f})/{BAR_S:.6f}));"
    f"st(0,mod(t,{LOOP_S:.6f})-{BAR_S:.6f}*ld(1));"
    "st(2,{root});st(3,{third});st(4,{fifth});"
    f"st(5,floor(ld(0)/{BEAT_S / 2:.6f}));"
    f"st(6,ld(0)-{BEAT_S / 2:.6f}*ld(5));"
    f"st(7,mod(ld(0),{2 * BEAT_S:.6f}));"
    f"st(8,min(1,ld(0)/{PAD_FADE_S})*min(1,({BAR_S:.6f}-ld(0))/{PAD_FADE_S}));"
)


def _per_bar(values: list[float]) -> str:
    """The value for the current bar, as nested ``if`` on ``ld(1)``."""
    expression = f"{values[-1]:.2f}"
    for index in range(len(values) - 2, -1, -1):
        expression = f"if(eq(ld(1),{index}),{values[index]:.2f},{expression})"
    return expression


def _arpeggio_note() -> str:
    expression = f"ld({2 + ARPEGGIO[-1]})"
    for index in range(len(ARPEGGIO) - 2, -1, -1):
        expression = f"if(eq(ld(5),{index}),ld({2 + ARPEGGIO[index]}),{expression})"
    return expression


def channel_expression(channel: int) -> str:
    """One channel of the bed; the two differ in pad detune and the arpeggio's panning."""
    tones = [[chord[i] for chord in CHORDS] for i in range(3)]
    preamble = _PREAMBLE.format(
        root=_per_bar(tones[0]), third=_per_bar(tones[1]), fifth=_per_bar(tones[2])
    )
    detune = 1.0 + (0.0015 if channel else -0.0015)
    pad = (
        f"0.06*ld(8)*(sin(2*PI*ld(2)*{detune}*t)+sin(2*PI*ld(3)*t)"
        f"+sin(2*PI*ld(4)*{detune}*t)+0.3*sin(4*PI*ld(2)*t))"
    )
    near, far = (1.0, 0.45) if channel == 0 else (0.45, 1.0)
    pan = f"if(mod(ld(5),2),{far},{near})"
    pluck = (
        f"0.11*{pan}*(1-exp(-400*ld(6)))*exp(-6*ld(6))*sin(4*PI*{_arpeggio_note()}*ld(6))"
        f"*min(1,({BEAT_S / 2:.6f}-ld(6))/0.01)"
    )
    bass = (
        f"0.16*(1-exp(-300*ld(7)))*exp(-2.2*ld(7))*sin(PI*ld(2)*ld(7))"
        f"*min(1,({2 * BEAT_S:.6f}-ld(7))/0.03)"
    )
    shaker = "0.018*mod(ld(5),2)*exp(-45*ld(6))*(2*random(9)-1)"
    return preamble + f"{pad}+{pluck}+{bass}+{shaker}"


def bed_source(seconds: float = LOOP_S) -> str:
    """The ``aevalsrc`` source of the bed, ``seconds`` long (the loop by default)."""
    exprs = "|".join(channel_expression(channel) for channel in (0, 1))
    return f"aevalsrc=exprs='{exprs}':s={SAMPLE_RATE}:d={seconds:.6f}"


async def synthesize_bed(out_path: Path, *, timeout_s: float = 60.0) -> Path:
    """Render one loop of the bed to ``out_path``: a WAV (decoding it costs nothing) or, by
    its suffix, any format FFmpeg writes."""
    with atomic_output(out_path) as partial:
        await run_ffmpeg(
            ["-f", "lavfi", "-i", bed_source(), "-ac", "2", str(partial)], timeout_s=timeout_s
        )
    return out_path
