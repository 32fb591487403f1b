"""MLSysBook: learn machine-learning systems engineering, offline."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mlsysbook")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
