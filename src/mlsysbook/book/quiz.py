"""Section quizzes in the textbook's schema v2 (``<chapter>_quizzes.json``), with the
optional keys our own chapters add so answers can be graded: ``blank``/``accept``
(FILL) and ``value``/``unit``/``tolerance`` (CALC)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mlsysbook.book.sidefiles import SideFileError, read_json

QuestionType = Literal["MCQ", "TF", "SHORT", "FILL", "ORDER", "CALC"]


class Question(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    question_type: QuestionType
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    learning_objective: str = ""
    choices: list[str] = []
    blank: str | None = None
    accept: list[str] = []
    value: float | None = None
    unit: str | None = None
    tolerance: float | None = None

    @field_validator("choices")
    @classmethod
    def _unlettered(cls, choices: list[str]) -> list[str]:
        """Choices are shown as a lettered list: drop "A. " / "B) " typed into the text."""
        return [
            re.sub(rf"^\s*\(?{chr(65 + i)}[.)]\s+", "", c) if i < 26 else c
            for i, c in enumerate(choices)
        ]

    @property
    def correct_choice(self) -> int | None:
        """Index of the right MCQ choice, read from "The correct answer is B."."""
        m = re.match(r"\s*The correct answer is ([A-Z])\b", self.answer)
        return ord(m.group(1)) - ord("A") if m and self.question_type == "MCQ" else None

    @property
    def truth(self) -> bool | None:
        m = re.match(r"\s*(True|False)\b", self.answer)
        return (m.group(1) == "True") if m and self.question_type == "TF" else None


class QuizData(BaseModel):
    model_config = ConfigDict(extra="allow")
    quiz_needed: bool = True
    questions: list[Question] = []


class QuizSection(BaseModel):
    model_config = ConfigDict(extra="allow")
    section_id: str
    section_title: str = ""
    quiz_data: QuizData = QuizData()


class QuizFile(BaseModel):
    model_config = ConfigDict(extra="allow")
    metadata: dict[str, Any] = {}
    sections: list[QuizSection]


class QuizError(SideFileError):
    pass


def load_quiz(path: Path) -> dict[str, list[Question]]:
    """Questions by section id (without the leading ``#``)."""
    quiz = read_json(path, QuizFile, QuizError)
    version = quiz.metadata.get("schema_version", 2)
    if version != 2:
        raise QuizError(f"schema_version {version!r} is not supported (expected 2)")
    out: dict[str, list[Question]] = {}
    for s in quiz.sections:
        if s.quiz_data.quiz_needed:
            out.setdefault(s.section_id.lstrip("#"), []).extend(s.quiz_data.questions)
    return out
