"""Running a chapter's ``{python}`` cells and inline `` `{python} expr` `` expressions.

Cells of one chapter run in order in one namespace; inline expressions are evaluated
afterwards, as Quarto's Jupyter engine does. Our own book runs in-process (its cells
only call ``mlsysbook.sim``); another book's cells run only when asked, in a
subprocess with a timeout, so a stray ``sys.exit`` or a hang cannot take the server
down."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TIMEOUT_S = 300


@dataclass
class Outcome:
    cell_output: list[str] = field(default_factory=list)  # stdout of each cell
    cell_error: list[str | None] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # expression -> text
    value_errors: dict[str, str] = field(default_factory=dict)


def _message(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}".strip().rstrip(":")


_STDOUT = threading.Lock()  # redirect_stdout swaps the one sys.stdout: one runner at a time


def run(cells: list[str], exprs: list[str], name: str = "chapter") -> Outcome:
    """Execute here, in a fresh namespace."""
    with _STDOUT:
        return _run(cells, exprs, name)


def _run(cells: list[str], exprs: list[str], name: str) -> Outcome:
    ns: dict[str, Any] = {"__name__": "__chapter__"}
    out = Outcome()
    for i, code in enumerate(cells, 1):
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                exec(compile(code, f"<{name} cell {i}>", "exec"), ns)  # noqa: S102 (trusted book)
            out.cell_error.append(None)
        except (Exception, SystemExit) as e:  # a failing cell is reported, never fatal
            out.cell_error.append(_message(e))
        out.cell_output.append(buf.getvalue())
    for expr in dict.fromkeys(exprs):
        try:
            value = eval(compile(expr, f"<{name} inline>", "eval"), ns)  # noqa: S307
            out.values[expr] = value if isinstance(value, str) else str(value)
        except (Exception, SystemExit) as e:
            out.value_errors[expr] = _message(e)
    return out


def run_isolated(
    cells: list[str],
    exprs: list[str],
    cwd: Path,
    name: str = "chapter",
    env: dict[str, str] | None = None,
) -> Outcome:
    """Execute in a child Python (same interpreter) started in ``cwd`` with the book's
    ``execute: env:`` settings added to the environment."""
    request = json.dumps({"cells": cells, "exprs": exprs, "name": name})
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mlsysbook.book.cells"],
            input=request,
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            timeout=TIMEOUT_S,
            check=False,
        )
        data = json.loads(proc.stdout.splitlines()[-1]) if proc.stdout.strip() else None
    except subprocess.TimeoutExpired:
        data, why = None, f"timed out after {TIMEOUT_S} s"
    except (OSError, ValueError) as e:
        data, why = None, str(e)
    else:
        why = (proc.stderr.strip().splitlines() or ["the cell runner crashed"])[-1]
    if not isinstance(data, dict):
        return Outcome(
            cell_output=[""] * len(cells),
            cell_error=[why] * len(cells),
            value_errors=dict.fromkeys(exprs, why),
        )
    return Outcome(**data)


def _main() -> None:  # python -m mlsysbook.book.cells < request.json
    req = json.loads(sys.stdin.read())
    real_stdout = sys.stdout
    sys.stdout = io.StringIO()  # cells printing outside redirect_stdout must not corrupt the reply
    out = run(req["cells"], req["exprs"], req.get("name", "chapter"))
    sys.stdout = real_stdout
    print(json.dumps(out.__dict__))


if __name__ == "__main__":
    _main()
