"""The planning prompt names the language the narration is written in: the project's, else
the one its script or topic is written in; language tags are checked and named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from faceless_planner.plan_prompt import sizing_for, task_message
from faceless_planner.plan_writer import PlanRequest
from faceless_shared.languages import guess_language, is_language_tag, language_name

TOPIC = PlanRequest("Why octopuses have three hearts", None, 30, 165, 8.0)
SCRIPT = PlanRequest(None, "Bees dance. They find flowers.", 30, 165, 8.0)


def task(request: PlanRequest) -> str:
    return task_message(request, sizing_for(request))


def test_a_topic_is_written_in_the_projects_language() -> None:
    assert "Write the narration and the title in Japanese" in task(replace(TOPIC, language="ja"))
    assert "Write the narration and the title in Portuguese (pt-BR)" in task(
        replace(TOPIC, language="pt-BR")
    )
    assert "in English" not in task(replace(TOPIC, language="es")).split("Write the image")[0]


def test_a_language_without_a_name_is_given_by_its_tag() -> None:
    assert "Write the narration and the title in yo," in task(replace(TOPIC, language="yo"))


def test_without_a_language_the_topics_writing_system_decides() -> None:
    assert "Write the narration and the title in English" in task(TOPIC)
    assert "Write the narration and the title in Hindi" in task(
        replace(TOPIC, topic="मधुमक्खियाँ क्यों नाचती हैं")
    )


def test_a_script_keeps_its_words_and_its_title_follows_its_language() -> None:
    told = task(replace(SCRIPT, language="es"))
    assert "The script is in Spanish: write the title in Spanish too." in told
    assert "Keep its words exactly" in told


@pytest.mark.parametrize("tag", ["ja", "es", "pt-BR", "zh-Hans", "sr-Latn-RS", "fil"])
def test_language_tags_are_accepted(tag: str) -> None:
    assert is_language_tag(tag)


@pytest.mark.parametrize("tag", ["", "j", "Japanese", "EN", "en_US", "ja-", "en-x", "ja\n"])
def test_malformed_language_tags_are_refused(tag: str) -> None:
    assert not is_language_tag(tag)


def test_languages_are_named_and_guessed() -> None:
    assert language_name("ja") == "Japanese"
    assert language_name("ES") == "Spanish"
    assert guess_language("お茶は偶然に見つかりました。") == "ja"
    assert guess_language("Tea was found by accident.") == "en"
