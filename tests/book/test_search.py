"""Search over the starter edition: relevant sections first, snippets escaped."""

from __future__ import annotations

from mlsysbook.book.search import SearchIndex, fts_query
from tests.book.test_starter_edition import starter

INDEX = SearchIndex(starter())


def test_query_building() -> None:
    assert fts_query("KV cache") == '"kv" "cache"*'
    assert fts_query('roof* OR "x" NEAR(a b)') == '"roof" "or" "x" "near" "a" "b"*'
    assert fts_query("  ") == ""


def test_relevant_sections_come_first() -> None:
    hits = INDEX.search("roofline")
    assert hits and hits[0].chapter in {"hw_acceleration", "nn_computation"}
    assert "<mark>" in hits[0].snippet_html.lower()
    serving = INDEX.search("continuous batching")
    assert serving[0].chapter == "serving"
    assert INDEX.search("zzzzqqqq") == []


def test_stemming_and_prefixes() -> None:
    assert INDEX.search("quantizing")  # porter stem of quantization
    assert INDEX.search("quantiz")  # a word still being typed


def test_snippets_are_escaped() -> None:
    for h in INDEX.search("layer"):
        assert "<" not in h.snippet_html.replace("<mark>", "").replace("</mark>", "")


def test_glossary_lookup() -> None:
    terms = INDEX.glossary("roofline")
    assert terms and terms[0].term.lower().startswith("roofline")
    assert all("roofline" in t.term.lower() or t.aliases for t in terms)
    assert len(INDEX.glossary("", limit=1000)) > 150  # every term, alphabetical
