"""What every registry entry shares: strict fields, and a cited source with its date."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Sourced(Entry):
    """A fact from a document: ``source`` names it, ``source_date`` dates it (YYYY-MM)."""

    source: str = Field(min_length=3)
    source_url: str | None = None
    source_date: str = Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$")
    notes: str = ""

    @field_validator("source_date", mode="before")
    @classmethod
    def _date_as_text(cls, v: object) -> object:
        return str(v) if not isinstance(v, str) else v  # YAML reads 2023-09-01 as a date
