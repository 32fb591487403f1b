"""Read: the Quarto book engine (load, number, render, check) behind the web reader,
the static site and the PDF.

    from mlsysbook import book
    b = book.load("content/")          # our starter edition (its Python cells run)
    b = book.load("~/cs249r_book")     # a checkout of the textbook (cells shown, not run)
    for d in b.diagnostics: print(d)
"""

from mlsysbook.book.model import Book, Chapter, Diagnostic, Part, ReadingPath, Ref, Section
from mlsysbook.book.project import BookError, bundled_root, load

__all__ = [
    "Book",
    "BookError",
    "Chapter",
    "Diagnostic",
    "Part",
    "ReadingPath",
    "Ref",
    "Section",
    "bundled_root",
    "load",
]
