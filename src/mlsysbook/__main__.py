"""`python -m mlsysbook` is the `mlsysbook` command."""

from mlsysbook.cli.main import run

run()
