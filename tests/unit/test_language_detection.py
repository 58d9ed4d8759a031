"""A project's language guessed by a real identifier whose model ships in its wheel (issue 14):
languages that share a script are told apart (Spanish from Portuguese, Ukrainian from Russian,
Persian from Arabic, Chinese from Japanese without kana); scripts that name one language still
decide alone; a text too short to tell keeps its script's language."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from faceless_planner import language_guess
from faceless_shared import languages
from faceless_shared.languages import (
    guess_language,
    is_guessable,
    primary_language,
    script_language,
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿Por qué los pulpos tienen tres corazones? Nadie lo sabe del todo.", "es"),
        ("Las abejas bailan para encontrar flores.", "es"),
        ("Por que os polvos têm três corações? Ninguém sabe ao certo.", "pt"),
        ("As abelhas dançam para encontrar flores.", "pt"),
        ("Pourquoi les pieuvres ont-elles trois cœurs ?", "fr"),
        ("Les abeilles dansent pour trouver des fleurs.", "fr"),
        ("Warum haben Kraken drei Herzen?", "de"),
        ("Bienen tanzen, um Blumen zu finden.", "de"),
        ("Perché i polpi hanno tre cuori?", "it"),
        ("Le api danzano per trovare i fiori.", "it"),
        ("Why do octopuses have three hearts?", "en"),
        ("Dlaczego ośmiornice mają trzy serca?", "pl"),
        ("Waarom hebben octopussen drie harten?", "nl"),
        ("Ahtapotların neden üç kalbi var?", "tr"),
        ("Tại sao bạch tuộc có ba trái tim?", "vi"),
    ],
)
def test_latin_script_languages_are_told_apart(text: str, language: str) -> None:
    assert guess_language(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Бджоли танцюють, щоб знайти квіти.", "uk"),
        ("Привіт, як справи? Я живу в Києві.", "uk"),
        ("Пчёлы танцуют, чтобы найти цветы.", "ru"),
        ("Привет, как дела? Я живу в Москве.", "ru"),
        ("Пчёлы танцуют.", "ru"),
        ("Защо октоподите имат три сърца?", "bg"),
        ("چرا هشت‌پاها سه قلب دارند؟", "fa"),
        ("سلام، حال شما چطور است؟ من در تهران زندگی می‌کنم.", "fa"),
        ("لماذا يملك الأخطبوط ثلاثة قلوب؟", "ar"),
        ("مرحبا، كيف حالك؟ أنا أعيش في القاهرة.", "ar"),
        ("آکٹوپس کے تین دل کیوں ہوتے ہیں؟", "ur"),
        ("为什么章鱼有三颗心脏？", "zh"),
        ("茶是偶然被发现的。", "zh"),
    ],
)
def test_cyrillic_arabic_and_han_languages_are_told_apart(text: str, language: str) -> None:
    assert guess_language(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("お茶は偶然に見つかりました。", "ja"),
        ("東京の蜜蜂は踊ります。", "ja"),  # mostly kanji, but kana: Japanese
        ("벌이 춤을 춥니다.", "ko"),
        ("ผึ้งเต้นรำเพื่อหาดอกไม้", "th"),
        ("मधुमक्खियाँ फूल खोजने के लिए नाचती हैं।", "hi"),
        ("הדבורים רוקדות כדי למצוא פרחים.", "he"),
        ("Οι μέλισσες χορεύουν για να βρουν λουλούδια.", "el"),
        ("தேனீக்கள் நடனமாடுகின்றன.", "ta"),
    ],
)
def test_a_script_of_one_language_decides_alone(text: str, language: str) -> None:
    assert guess_language(text) == language == script_language(text)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hola", "en"),  # one word: too short to tell, the script's language
        ("Gracias", "en"),
        ("Bonjour!", "en"),
        ("Привет", "ru"),
        ("Привіт", "ru"),
        ("مرحبا", "ar"),
        ("سلام چطوری", "fa"),  # too short for the model, but a Persian letter says it
        ("蜜蜂", "zh"),
        ("OK", "en"),
        ("12345 !!!", "en"),
        ("", "en"),
        ("Bees dance.", "en"),
    ],
)
def test_a_text_too_short_to_tell_keeps_its_scripts_language(text: str, language: str) -> None:
    assert guess_language(text) == language


@pytest.mark.parametrize("text", ["Radio Tango Piano", "Taxi Hotel Menu", "Mama mia pizza"])
def test_a_close_call_keeps_the_scripts_language(text: str) -> None:
    shares = languages._detector().shares(text, languages.DETECTED["Latin"])
    best, share = shares.most_common(1)[0]
    assert best != "en" and share < languages.MIN_SHARE  # the model leans elsewhere, weakly
    assert guess_language(text) == "en"


@pytest.mark.parametrize(
    ("topic", "language"),
    [
        ("por qué los pulpos son tan inteligentes", "es"),
        ("por que o céu é azul", "pt"),
        ("pourquoi le ciel est bleu", "fr"),
        ("warum der Himmel blau ist", "de"),
        ("perché il cielo è blu", "it"),
        ("why the sky is blue", "en"),
        ("почему небо голубое", "ru"),
        ("چرا آسمان آبی است", "fa"),
        ("لماذا السماء زرقاء", "ar"),
    ],
)
def test_a_short_topic_is_enough(topic: str, language: str) -> None:
    assert guess_language(topic) == language


def test_the_planners_guess_is_the_shared_one() -> None:
    assert language_guess.guess_language is guess_language
    assert language_guess.guess_language("Las abejas bailan para encontrar flores.") == "es"


def test_tags_are_compared_by_their_language_and_checkable_ones_are_known() -> None:
    assert primary_language("pt-BR") == "pt" and primary_language("ZH-Hant") == "zh"
    for tag in ("en", "es", "pt-BR", "uk", "fa", "ur", "ja", "zh-Hans", "hi", "th", "he"):
        assert is_guessable(tag), tag
    for tag in ("eu", "yo", "gl", "be"):  # never guessed: a text in them cannot be checked
        assert not is_guessable(tag), tag


def test_the_model_is_read_from_the_wheel_without_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> socket.socket:
        raise AssertionError("the language model must not be downloaded")

    monkeypatch.setattr(socket, "socket", no_network)
    detector = languages._Detector()
    assert detector.shares("Las abejas bailan.", frozenset({"es", "en"})).most_common(1)[0][0]


def test_the_model_is_loaded_once_however_many_threads_ask_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[object] = []

    class SlowDetector:
        def __init__(self) -> None:
            time.sleep(0.05)  # long enough for every thread to find it not yet loaded
            made.append(self)

    monkeypatch.setattr(languages, "_Detector", SlowDetector)
    monkeypatch.setattr(languages, "_loaded", None)
    got: list[object] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        got.append(languages._detector())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and got == made * 8


def test_a_long_script_is_read_by_its_start() -> None:
    """The identifier grows less sure of a long text that repeats itself: 20 000 characters
    of one Spanish sentence read, whole, as under half Spanish; the start is enough."""
    long_spanish = "Las abejas bailan para encontrar flores. " * 500
    whole = languages._detector().shares(long_spanish, languages.DETECTED["Latin"])
    assert whole["es"] < languages.MIN_SHARE
    assert guess_language(long_spanish) == "es"
    assert guess_language("Пчёлы танцуют, чтобы найти цветы. " * 600) == "ru"
    assert guess_language("Tea. " * 5 + "お茶は偶然に見つかりました。" * 1400) == "ja"
