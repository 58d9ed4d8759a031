"""``faceless generate --language`` sends the language; the project's language is named and
its plan's warnings are printed, one ``warning:`` line each, on stderr."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from rich.console import Console

from faceless.cli import _request as cli_request
from faceless.cli import build_parser
from faceless.generate import in_language, project_body, show_warnings
from faceless_shared.runtime.settings import Settings


async def body_for(argv: list[str]) -> dict[str, object]:
    request = cli_request(build_parser().parse_args(argv), Settings(_env_file=None))
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda _: httpx.Response(500))
    ) as api:
        return await project_body(api, request)


async def test_the_language_is_sent_when_given(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("お茶は偶然に見つかりました。", encoding="utf-8")

    given = await body_for(["generate", "--script", str(script), "--language", "ja"])
    guessed = await body_for(["generate", "--script", str(script)])

    assert given["language"] == "ja"
    assert "language" not in guessed  # the API guesses it


def test_the_language_is_named_and_the_warnings_are_printed() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    project = {"language": "es", "warnings": ["the narration is 9 s short", "clips merged"]}

    show_warnings(project, console)

    assert in_language(project) == " in es"
    assert in_language({"language": None}) == ""
    assert out.getvalue().splitlines() == [
        "warning: the narration is 9 s short",
        "warning: clips merged",
    ]
