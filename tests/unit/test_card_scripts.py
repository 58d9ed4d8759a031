"""Drawn cards in every script: the title is a phrase from the prompt (its first clause, cut
between spoken units to fit), not a keyword list, and cards stay reproducible."""

from __future__ import annotations

import pytest
from PIL import ImageChops

from faceless_clip.images.drawn_images import render_card
from faceless_clip.images.image_maker import ImageStyle
from faceless_clip.images.title_phrase import MAX_TITLE_WIDTH, first_clause, title_units
from faceless_clip.lettering.text_width import display_width
from faceless_clip.phrase_breaks import joiner

STYLE = ImageStyle(
    background=("#1d2b53", "#0b1020"), accent="#ff9f1c", text="#ffffff", shapes="orbs"
)

TITLES = {
    "en": (
        "A cinematic photo of a lone lighthouse on a rocky cliff at dusk, soft light",
        "a lone lighthouse",
    ),
    "es": (
        "Un faro solitario en un acantilado rocoso al atardecer, luz suave",
        "Un faro solitario",
    ),
    "ru": ("Одинокий маяк на скалистом утёсе в сумерках, мягкий свет", "Одинокий маяк"),
    "ar": ("منارة وحيدة على جرف صخري عند الغروب، إضاءة ناعمة", "منارة وحيدة على جرف صخري"),
    "en-medium": ("Close-up of honeybees on lavender in the morning", "honeybees on lavender"),
    "ja": ("夕暮れの岩だらけの崖に立つ孤独な灯台、柔らかな光", "夕暮れの岩だらけの崖に立つ"),
    "hi": ("सूर्यास्त के समय चट्टान पर एक अकेला प्रकाशस्तंभ, नरम रोशनी", "सूर्यास्त के समय चट्टान"),
}


@pytest.mark.parametrize("language", sorted(TITLES))
def test_the_title_is_the_prompts_opening_phrase(language: str) -> None:
    prompt, expected = TITLES[language]
    units = title_units(prompt)
    title = joiner(expected).join(units)
    assert title == expected
    assert first_clause(prompt).startswith(title)  # words in the prompt's order, none dropped
    assert display_width(title) <= MAX_TITLE_WIDTH


def test_a_short_clause_is_kept_whole_with_its_small_words() -> None:
    assert (
        title_units("The rise and fall of Rome: an empire's story")
        == "The rise and fall of Rome".split()
    )
    assert title_units("Un gato en la luna") == "Un gato en la luna".split()
    assert title_units("") == [] and title_units("... —") == []
    assert title_units("“Quoted title”, then more") == ["Quoted", "title"]


def test_unspaced_titles_are_cut_between_phrases_not_inside_them() -> None:
    prompt = "今日は天気が良いので公園まで散歩に行きましょう"
    units = title_units(prompt, max_width=14)
    assert "".join(units) == "今日は天気が"  # BudouX's phrases 今日は | 天気が, not mid-word
    thai = title_units("ประภาคารโดดเดี่ยวบนหน้าผาหินยามพลบค่ำ", max_width=12)
    assert thai and "ประภาคารโดดเดี่ยวบนหน้าผาหินยามพลบค่ำ".startswith("".join(thai))


@pytest.mark.parametrize(
    "prompt", ["夕暮れの崖に立つ孤独な灯台", "منارة وحيدة على جرف صخري", "एक अकेला प्रकाशस्तंभ"]
)
def test_cards_in_every_script_are_reproducible(prompt: str) -> None:
    first = render_card(prompt, STYLE, 180, 320)
    again = render_card(prompt, STYLE, 180, 320)
    assert ImageChops.difference(first, again).getbbox() is None
    other = render_card(prompt + "。", STYLE, 180, 320)  # another seed: another card
    assert ImageChops.difference(first, other).getbbox() is not None
