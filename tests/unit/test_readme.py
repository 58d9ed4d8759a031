"""The README documents every setting exactly as ``Settings`` defines it."""

from __future__ import annotations

from pathlib import Path

from faceless.settings_doc import with_table

README = Path(__file__).parents[2] / "README.md"


def test_the_settings_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert with_table(text) == text, "run: uv run python -m faceless.settings_doc (see README)"
