"""Drawn cards in Japanese, Chinese, Hindi and Arabic, read back by Tesseract with the language's
data: the title, a phrase from the prompt, is legible (at least half of it comes back), so it is
set in a face that has the script, shaped and in the right order."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from faceless_clip.images.drawn_images import render_card
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.images.title_phrase import title_units
from faceless_clip.phrase_breaks import joiner
from tests.text_in_frames import share_read, tesseract_has, tesseract_read

STYLE = ImageStyle(
    background=("#1d2b53", "#0b1020"), accent="#ff9f1c", text="#ffffff", shapes="waves"
)
CARDS = {
    "ja": ("jpn", "夕暮れの崖に立つ灯台、柔らかな光"),
    "zh": ("chi_sim", "悬崖上的孤独灯塔，柔和的光线"),
    "hi": ("hin", "चट्टान पर अकेला प्रकाशस्तंभ, नरम रोशनी"),
    "ar": ("ara", "منارة وحيدة على جرف صخري، إضاءة ناعمة"),
}


@pytest.mark.parametrize("language", sorted(CARDS))
def test_card_titles_read_back_in_their_language(language: str) -> None:
    data, prompt = CARDS[language]
    if not tesseract_has(data):
        pytest.skip(f"Tesseract with {data} data is not installed")
    units = title_units(prompt)
    assert len(units) >= 2
    card = render_card(prompt, STYLE, 360, 640)
    # The title's white letters, black on white: the backdrop's motif and bar left out.
    pixels = np.asarray(card.crop((0, 110, 360, 400)), dtype=np.int16)
    title = Image.fromarray(np.where(pixels.min(axis=2) >= 190, 0, 255).astype(np.uint8))
    read = tesseract_read(title, data)
    share = share_read(joiner(prompt).join(units), read, by_character=not joiner(prompt))
    assert share >= 0.5, (language, units, read)
