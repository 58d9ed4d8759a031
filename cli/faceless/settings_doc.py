"""The README's settings table, generated from ``Settings`` so the two never disagree.

uv run python -m faceless.settings_doc   # prints the table
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from faceless_shared.runtime.settings import Settings

BEGIN = "<!-- settings:begin -->"
END = "<!-- settings:end -->"


def variables(name: str, field: FieldInfo) -> list[str]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [f"FACELESS_{name.upper()}"]


def default_of(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
        return "(table in `prices.py`)" if isinstance(value, dict) else f"`{value}`"
    if field.default is None or field.default is PydanticUndefined:
        return "unset"
    return f"`{field.default}`"


def settings_table() -> str:
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        names = ", ".join(f"`{variable}`" for variable in variables(name, field))
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| {names} | {default_of(field)} | {meaning} |")
    return "\n".join(rows)


def with_table(readme: str) -> str:
    """The README with the text between the markers replaced by the current table."""
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{settings_table()}\n{END}{tail}"


if __name__ == "__main__":
    print(settings_table())
