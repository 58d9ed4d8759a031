"""A caption's lettering in ASS: its main face (the style's), how its units join, its direction,
and each run outside the main face named with ``\\fn`` (and its Bold flag), since libass falls
back only to system fonts, never to the other fonts it was given."""

from __future__ import annotations

from dataclasses import dataclass

from faceless_clip.lettering.typefaces import Face, face_runs, han_face, main_face
from faceless_clip.phrase_breaks import joiner
from faceless_shared.writing_systems import is_right_to_left


@dataclass(frozen=True)
class Lettering:
    """The caption's faces and how its units join: what every event of the document shares."""

    main: Face
    han: Face
    join: str
    right_to_left: bool

    @classmethod
    def of(cls, text: str, language: str | None) -> Lettering:
        main, han = main_face(text, language), han_face(text, language)
        return cls(main, han, joiner(text), is_right_to_left(text))

    def set(self, text: str) -> str:
        """``text`` with each run in another face than the style's named (and back)."""
        runs = face_runs(text, self.main, self.han)
        if all(face == self.main for _, face in runs):
            return text
        return "".join(
            run if face == self.main else f"{_face_tags(face)}{run}{_face_tags(self.main)}"
            for run, face in runs
        )


def _face_tags(face: Face) -> str:
    return rf"{{\fn{face.family}\b{1 if face.variable_weight else 0}}}"
