"""Callout kinds: Quarto's five and the textbook's own, each with a label."""

from __future__ import annotations

# Our wording; a book's config (custom-numbered-blocks `classes:`) may override.
LABELS = {
    "note": "Note",
    "tip": "Tip",
    "warning": "Warning",
    "important": "Important",
    "caution": "Caution",
    "learning-objectives": "Learning objectives",
    "definition": "Definition",
    "example": "Example",
    "perspective": "Systems perspective",
    "war-story": "War story",
    "notebook": "Napkin math",
    "checkpoint": "Checkpoint",
    "takeaways": "Key takeaways",
    "chapter-connection": "What comes next",
    "chapter-forward": "Looking ahead",
    "chapter-recall": "Looking back",
    "lighthouse": "Lighthouse example",
    "principle": "Principle",
    "theorem": "Theorem",
    "code": "Code",
    "colab": "Interactive notebook",
    "resource-slides": "Slides",
    "resource-videos": "Videos",
    "resource-exercises": "Exercises",
    "quiz-question": "Self-check",
    "quiz-answer": "Self-check answer",
}


def callout_kind(classes: list[str]) -> str | None:
    """``callout-war-story`` → ``war-story``; None when the div is not a callout."""
    for c in classes:
        if c.startswith("callout-") and len(c) > len("callout-"):
            return c[len("callout-") :]
    return None


def callout_label(kind: str, overrides: dict[str, str]) -> str:
    return overrides.get(kind) or LABELS.get(kind) or kind.replace("-", " ").capitalize()
