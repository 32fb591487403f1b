"""MLSysBook: learn machine-learning systems engineering, offline."""

# The one place the version is written; pyproject.toml reads it from here
# (importlib.metadata would cost ~70 ms on every command's start).
__version__ = "0.1.0"
