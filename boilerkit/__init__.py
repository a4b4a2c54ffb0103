"""boilerkit: remove boilerplate from plain-text web page dumps, line by line."""

__version__ = "0.1.0"
