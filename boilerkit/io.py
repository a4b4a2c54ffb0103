"""Reading dumps and writing results.

Two kinds of input:

* **labelled dumps**, for ``train`` and ``evaluate``: JSONL (optionally gzipped), one
  document a line, ``{"lines": [...], "labels": [0/1, ...]}`` with any other fields kept;
  or a plain TSV file, one document per file, ``LABEL<TAB>line`` per line (``LABEL`` is
  ``1``/``0`` or ``content``/``clutter``), or ``LABEL<TAB>PROBABILITY<TAB>line`` as
  ``apply --format tsv`` writes it, so a corrected ``apply`` output trains directly.
* **dumps to clean**, for ``apply``: text files (one dump each), directories (every file
  inside), ``-`` for standard input, and JSONL(.gz) files of documents with a ``"text"`` or
  a ``"lines"`` field.

Every problem with an input raises :class:`InputError`, whose message names the file and
the line (or record) so the CLI can print it as one line.
"""

from __future__ import annotations

import glob
import gzip
import io
import json
import logging
import os
import re
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

STDIN = "-"
# What reading a damaged (possibly gzipped) file can raise.
READ_ERRORS = (OSError, EOFError, zlib.error)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")

# What counts as a line break: the three line endings of real dumps.  str.splitlines()
# also breaks on \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029, which occur *inside* lines of
# real web text (form feeds, NEL from cp1252 pages), so it would invent lines.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

LABEL_WORDS = {"1": 1, "0": 0, "content": 1, "clutter": 0}
# A row of `apply --format tsv` output: label, probability, line.
_SCORED_ROW = re.compile(r"^(1|0|content|clutter)\t(?:[01](?:\.\d*)?|\.\d+|nan)\t")


class InputError(ValueError):
    """A problem with an input file; ``str()`` is one line naming the file and line."""

    def __init__(self, path: str | os.PathLike, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as ``str.splitlines()`` gives them, breaking only at ``\\n``,
    ``\\r\\n`` and ``\\r``; a final line ending does not start an empty line.

    >>> split_lines("a\\r\\nb\\rc\\n")
    ['a', 'b', 'c']
    >>> split_lines("form\\x0cfeed")
    ['form\\x0cfeed']
    """
    if not text:
        return []
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


# --------------------------------------------------------------------------- opening


def is_jsonl(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(JSONL_SUFFIXES)


def _open_binary(path: str | os.PathLike) -> IO[bytes]:
    if str(path) == STDIN:
        return sys.stdin.buffer
    try:
        if str(path).lower().endswith(".gz"):
            return gzip.open(path, "rb")
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as error:
        raise InputError(path, f"cannot open: {error.strerror or error}") from None


def decode(data: bytes, path: str | os.PathLike) -> str:
    """Text of ``data``: UTF-8 (a BOM is dropped); invalid bytes become U+FFFD with a warning.

    A cleaner that meets an odd byte in one file of millions must go on, but never hide it.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
        log.warning("%s: %d invalid UTF-8 byte sequence(s) replaced by U+FFFD", path, bad)
        return text


def read_text(path: str | os.PathLike) -> str:
    """The whole text of a file (or of standard input for ``-``)."""
    stream = _open_binary(path)
    try:
        data = stream.read()
    except READ_ERRORS as error:
        raise InputError(path, f"cannot read: {error}") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return decode(data, path)


def _iter_text_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """Numbered physical lines of a (possibly gzipped) JSONL file, streaming."""
    stream = _open_binary(path)
    try:
        number = 0
        while True:
            try:
                raw = stream.readline()
            except READ_ERRORS as error:
                raise InputError(path, f"cannot read: {error}", number + 1) from None
            if not raw:
                break
            number += 1
            yield number, decode(raw, f"{path}:{number}")
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def expand_paths(patterns: Iterable[str | os.PathLike]) -> list[str]:
    """Files named by ``patterns``: paths, glob patterns and directories (all files inside,
    recursively, in sorted order); ``-`` stands for standard input."""
    paths: list[str] = []
    for pattern in map(str, patterns):
        if pattern == STDIN:
            paths.append(pattern)
            continue
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise InputError(pattern, "no file matches this pattern")
        for match in matches:
            if os.path.isdir(match):
                paths.extend(_files_under(match))
            elif os.path.exists(match) or os.path.islink(match):
                paths.append(match)
            else:
                raise InputError(match, "no such file or directory")
    return paths


def _files_under(directory: str) -> list[str]:
    found = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        found.extend(os.path.join(root, name) for name in sorted(files) if not name.startswith("."))
    return found


# --------------------------------------------------------------------- labelled dumps


def _labels_from(values, path, line: int | None) -> list[int]:
    labels = []
    for value in values:
        if isinstance(value, bool) or value not in (0, 1):
            raise InputError(path, f"label {value!r} is not 0 or 1", line)
        labels.append(int(value))
    return labels


def parse_labelled_record(record, path, line: int | None) -> dict:
    """Check one labelled JSONL record and return it with ``labels`` as ints."""
    if not isinstance(record, dict):
        raise InputError(path, f"expected a JSON object, got {type(record).__name__}", line)
    lines = record.get("lines")
    labels = record.get("labels")
    if lines is None or labels is None:
        missing = " and ".join(name for name in ("lines", "labels") if record.get(name) is None)
        raise InputError(path, f'record has no "{missing}" field', line)
    if not isinstance(lines, list) or not all(isinstance(item, str) for item in lines):
        raise InputError(path, '"lines" must be a list of strings', line)
    if not isinstance(labels, list):
        raise InputError(path, '"labels" must be a list of 0/1', line)
    if len(lines) != len(labels):
        raise InputError(path, f'"lines" has {len(lines)} items but "labels" has {len(labels)}', line)
    return {**record, "labels": _labels_from(labels, path, line)}


def _parse_json(text: str, path, line: int):
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(path, f"invalid JSON: {error.msg} (column {error.colno})", line) from None


def iter_labelled_jsonl(path: str | os.PathLike) -> Iterator[dict]:
    for number, text in _iter_text_lines(path):
        if text.strip():
            yield parse_labelled_record(_parse_json(text, path, number), path, number)


def parse_labelled_tsv(text: str, path: str | os.PathLike) -> dict:
    """A labelled dump in TSV: ``LABEL<TAB>line`` or ``LABEL<TAB>PROBABILITY<TAB>line`` rows."""
    rows = split_lines(text)
    # The scored form is recognised per file, not per row, so a line of text that happens
    # to start with a number and a tab is never mistaken for a probability.
    scored = bool(rows) and all(_SCORED_ROW.match(row) for row in rows)
    lines, labels = [], []
    for number, row in enumerate(rows, start=1):
        label, tab, rest = row.partition("\t")
        if not tab:
            raise InputError(path, "no TAB: expected LABEL<TAB>line", number)
        if label not in LABEL_WORDS:
            raise InputError(path, f"unknown label {label!r}: expected 1, 0, content or clutter", number)
        labels.append(LABEL_WORDS[label])
        lines.append(rest.partition("\t")[2] if scored else rest)
    return {"id": str(path), "lines": lines, "labels": labels}


def iter_labelled(paths: Iterable[str | os.PathLike]) -> Iterator[dict]:
    """Labelled documents from JSONL(.gz) and TSV files (globs and directories allowed)."""
    for path in expand_paths(paths):
        if is_jsonl(path):
            yield from iter_labelled_jsonl(path)
        else:
            yield parse_labelled_tsv(read_text(path), path)


def read_labelled(paths: Iterable[str | os.PathLike]) -> list[dict]:
    return list(iter_labelled(paths))


# -------------------------------------------------------------------- dumps to clean


@dataclass
class Document:
    """One dump to clean: its lines, and where it came from so output can mirror it.

    ``record`` is the JSONL record it was read from (``None`` for a text file);
    ``text_field`` is ``"text"`` or ``"lines"``, the record field the lines came from.
    """

    lines: list[str]
    source: str
    record: dict | None = None
    text_field: str = "text"
    number: int | None = None  # line number of the record in its JSONL file


def parse_document_record(record, path, line: int) -> Document:
    if not isinstance(record, dict):
        raise InputError(path, f"expected a JSON object, got {type(record).__name__}", line)
    if "text" in record:
        if not isinstance(record["text"], str):
            raise InputError(path, '"text" must be a string', line)
        return Document(split_lines(record["text"]), str(path), record, "text", line)
    if "lines" in record:
        lines = record["lines"]
        if not isinstance(lines, list) or not all(isinstance(item, str) for item in lines):
            raise InputError(path, '"lines" must be a list of strings', line)
        return Document(list(lines), str(path), record, "lines", line)
    raise InputError(path, 'record has neither a "text" nor a "lines" field', line)


def iter_documents(paths: Iterable[str | os.PathLike]) -> Iterator[Document]:
    """Documents to clean from text files, directories, ``-`` and JSONL(.gz) files, in order,
    streaming (a JSONL file is read a record at a time)."""
    return documents_of_files(expand_paths(paths))


def documents_of_files(files: Iterable[str]) -> Iterator[Document]:
    """Documents of already expanded file names (see :func:`expand_paths`)."""
    for path in files:
        if is_jsonl(path):
            for number, text in _iter_text_lines(path):
                if text.strip():
                    yield parse_document_record(_parse_json(text, path, number), path, number)
        else:
            yield Document(split_lines(read_text(path)), "<stdin>" if path == STDIN else str(path))


# ---------------------------------------------------------------------------- output


class AtomicWriter:
    """A text output that appears under its name only when complete.

    Writes go to a temporary file in the same directory, renamed over the target on
    success; on any error the temporary file is removed, so an interrupted run never leaves
    a half-written file that looks whole.  ``-`` writes to standard output.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        self._tmp: str | None = None
        self.stream: IO[str] | None = None

    def __enter__(self) -> IO[str]:
        if self.path == STDIN:
            self.stream = sys.stdout
            return self.stream
        target = Path(self.path)
        directory = target.parent if str(target.parent) else Path(".")
        if not directory.is_dir():
            raise InputError(self.path, "output directory does not exist")
        self._tmp = str(directory / f".{target.name}.{os.getpid()}.part")
        self.stream = io.open(self._tmp, "w", encoding="utf-8", newline="\n")
        return self.stream

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._tmp is None:
            if self.stream is not None:
                self.stream.flush()
            return
        self.stream.close()
        if exc_type is None:
            os.replace(self._tmp, self.path)
        else:
            try:
                os.unlink(self._tmp)
            except FileNotFoundError:
                pass
