"""Languages: a BCP 47 tag checked, named, and guessed from a text.

The guess starts from the writing system (``writing_systems.main_script``): kana is Japanese,
Hangul Korean, Thai Thai, Devanagari Hindi, Hebrew Hebrew... Latin, Cyrillic, Arabic-script and
Han text, which many languages share, goes to a language identifier whose model ships in its
wheel (py3langid: naive Bayes over byte n-grams; nothing is downloaded), restricted to the
languages of ``DETECTED``. A text too short or too close to call keeps its script's language
(Latin: English, Cyrillic: Russian, Arabic: Arabic, or Persian or Urdu by their own letters,
Han: Chinese). The model is loaded once, on first use (about a second; ``load_detector``
loads it ahead), and a guess then takes well under a millisecond.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

from faceless_shared.writing_systems import main_script, scripts_in

DEFAULT_LANGUAGE = "en"

LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
"""A BCP 47 tag, in the shape the API takes: a lowercase primary language subtag, then
subtags such as a script or a region (``ja``, ``pt-BR``, ``zh-Hans``)."""

LANGUAGE_NAMES: dict[str, str] = {
    "ar": "Arabic",
    "bn": "Bengali",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "sv": "Swedish",
    "ta": "Tamil",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "zh": "Chinese",
}
"""English names of common languages, by primary language subtag."""

SCRIPT_LANGUAGES: Final[Mapping[str, str]] = {
    "Latin": "en",
    "Greek": "el",
    "Cyrillic": "ru",
    "Armenian": "hy",
    "Hebrew": "he",
    "Arabic": "ar",
    "Devanagari": "hi",
    "Bengali": "bn",
    "Gurmukhi": "pa",
    "Gujarati": "gu",
    "Oriya": "or",
    "Tamil": "ta",
    "Telugu": "te",
    "Kannada": "kn",
    "Malayalam": "ml",
    "Thai": "th",
    "Lao": "lo",
    "Myanmar": "my",
    "Georgian": "ka",
    "Hangul": "ko",
    "Ethiopic": "am",
    "Khmer": "km",
    "Han": "zh",
    "Japanese": "ja",
    "Hiragana": "ja",
    "Katakana": "ja",
}
"""The language a text in each script (``writing_systems``' names) is taken to be in when
nothing better is known."""

DETECTED: Final[Mapping[str, frozenset[str]]] = {
    "Latin": frozenset(
        "en es pt fr de it nl pl sv da no fi tr id vi ro cs sk hu hr ca tl sw af".split()
    ),
    "Cyrillic": frozenset("ru uk bg sr kk mk".split()),
    "Arabic": frozenset("ar fa ur".split()),
    "Han": frozenset("zh ja".split()),
}
"""The languages the identifier chooses between, by the script the text is in: major
languages a narrated video is made in, not every language the model knows (Galician or
Occitan would take many a short Portuguese or French text)."""

_DIALECTS: Final = {"ary": "ar", "arz": "ar", "wuu": "zh", "yue": "zh"}
"""The model's labels for varieties, counted as the language whose tag and voices they use."""

MIN_LETTERS: Final = {"Han": 4}
MIN_OTHER_LETTERS: Final = 10
"""Fewer letters than this in the text's script: too few to tell, the script decides."""
MIN_SHARE: Final = 0.5
"""The identifier's choice is taken when it has at least this share of the probability among
its script's languages; a few names or loanwords ("Radio Tango Piano") spread it thinner."""

SAMPLE_CHARACTERS: Final = 3000
"""Enough to tell any language, and a bound on the time a guess takes. More would not help:
the identifier's confidence is scaled down by the square root of the text's length, so a long
text that repeats itself reads as less sure, not more."""

_PERSIAN_LETTERS = frozenset("پچژگ")
_URDU_LETTERS = frozenset("ٹڈڑںےھ")
_GUESSABLE = frozenset(SCRIPT_LANGUAGES.values()).union(*DETECTED.values(), {"fa", "ur"})


def is_language_tag(tag: str) -> bool:
    return LANGUAGE_TAG.fullmatch(tag) is not None


def primary_language(tag: str) -> str:
    """The tag's language subtag, lowercase: ``pt-BR`` → ``pt``."""
    return tag.split("-")[0].lower()


def language_name(tag: str) -> str:
    """The language's English name, with the tag when it says more (``Portuguese (pt-BR)``);
    the tag itself for a language not in ``LANGUAGE_NAMES``."""
    name = LANGUAGE_NAMES.get(primary_language(tag))
    if name is None:
        return tag
    return name if "-" not in tag else f"{name} ({tag})"


def is_guessable(tag: str) -> bool:
    """Whether ``guess_language`` can answer this language: a text in any other is guessed
    as something else, so whether a text is in it cannot be checked."""
    return primary_language(tag) in _GUESSABLE


def script_language(text: str) -> str:
    """The language of the script most of the text's letters are written in (no model)."""
    script = main_script(text)
    if script == "Arabic":
        letters = set(text)
        if letters & _URDU_LETTERS:
            return "ur"
        if letters & _PERSIAN_LETTERS:
            return "fa"
    return SCRIPT_LANGUAGES.get(script, DEFAULT_LANGUAGE)


def guess_language(text: str) -> str:
    """The text's language: its script's, or for a script many languages share, the
    identifier's choice among ``DETECTED`` when it is clear enough. Only the text's first
    ``SAMPLE_CHARACTERS`` are read."""
    text = text[:SAMPLE_CHARACTERS]
    script = main_script(text)
    by_script = script_language(text)
    candidates = DETECTED.get(script)
    if candidates is None or scripts_in(text)[script] < MIN_LETTERS.get(script, MIN_OTHER_LETTERS):
        return by_script
    shares = _detector().shares(text, candidates)
    best, share = shares.most_common(1)[0]
    return best if share >= MIN_SHARE else by_script


class _Detector:
    """py3langid's identifier, restricted once to the languages of ``DETECTED`` and their
    dialects; its guesses only read the model, so threads may share it."""

    def __init__(self) -> None:
        # imported here, as numpy with it: nothing loads before the first guess needs it
        from py3langid.langid import (  # type: ignore[import-untyped]
            MODEL_FILE,
            LanguageIdentifier,
        )

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(sorted(set().union(*DETECTED.values(), _DIALECTS)))
        self._identifier: Any = identifier

    def shares(self, text: str, candidates: frozenset[str]) -> Counter[str]:
        """Each candidate's share of the probability the candidates have together."""
        found: Counter[str] = Counter({candidate: 0.0 for candidate in candidates})
        for label, probability in self._identifier.rank(text):
            language = _DIALECTS.get(label, label)
            if language in candidates:
                found[language] += probability
        total = sum(found.values())
        return Counter({k: v / total for k, v in found.items()}) if total > 0 else found


_loaded: _Detector | None = None
_loading = threading.Lock()


def _detector() -> _Detector:
    global _loaded
    if _loaded is None:
        with _loading:
            if _loaded is None:
                _loaded = _Detector()
    return _loaded


def load_detector() -> None:
    """Load the identifier's model now (about a second, CPU-bound: call it in a thread), so
    that no later guess waits for it."""
    _detector()
