"""Constraints text fields of many requests share."""

from __future__ import annotations

from typing import Final

WITHOUT_NUL: Final = r"^[^\x00]*$"
"""Text PostgreSQL can store: it refuses the NUL character."""
