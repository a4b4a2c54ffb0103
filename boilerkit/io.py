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
the line (or record) so the CLI can print it as one line.  Readers of many inputs take an
``on_error`` callback: given one, they report a bad file (or record) to it and go on with
the rest; without one, the first problem raises.

Text is UTF-8 unless a byte order mark says UTF-16 or UTF-32; bytes that do not decode
become U+FFFD and are counted in a warning, never dropped silently.  A file that is mostly
control bytes (see :func:`looks_binary`) is not a dump: it is refused with an error naming
it rather than cleaned into garbage lines.
"""

from __future__ import annotations

import codecs
import contextlib
import glob
import gzip
import io
import json
import logging
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson

log = logging.getLogger(__name__)

STDIN = "-"
# What reading a damaged (possibly gzipped) file can raise.
READ_ERRORS = (OSError, EOFError, zlib.error)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
# Common Crawl's plain-text dumps (WARC files of conversion records), read by boilerkit.warc.
WET_SUFFIXES = (".warc.wet", ".warc.wet.gz", ".wet", ".wet.gz")

# What counts as a line break: the three line endings of real dumps.  str.splitlines()
# also breaks on \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029, which occur *inside* lines of
# real web text (form feeds, NEL from cp1252 pages), so it would invent lines.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Byte order marks and their encodings, the UTF-32 ones first: the UTF-32-LE mark begins
# with the UTF-16-LE one.  (A UTF-16-LE text whose first character is U+0000 would be
# taken for UTF-32-LE; no real dump starts with a NUL.)
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Binary detection: like git (buffer_is_binary), look at the start of the file only; the
# share of control bytes is used instead of git's "any NUL" so that a text dump with a
# stray NUL is still cleaned.  Text has almost none of these bytes; random or compressed
# data has about 8.6% (22 of 256 values), so 5% separates the two with a wide margin.
BINARY_SAMPLE_BYTES = 8192
BINARY_CONTROL_SHARE = 0.05
# C0 control bytes that never occur in text: all but tab, LF, VT, FF, CR, ESC (terminal
# colours) and the four separators \x1c-\x1f, which some dumps use inside lines.
_BINARY_BYTES = bytes(b for b in range(32) if b not in b"\t\n\x0b\x0c\r\x1b\x1c\x1d\x1e\x1f")

ErrorHandler = Callable[["InputError"], None]

LABEL_WORDS = {"1": 1, "0": 0, "content": 1, "clutter": 0}
# A row of `apply --format tsv` output: label, probability, line.
_PROBABILITY = r"(?:[01](?:\.\d*)?|\.\d+|nan)"
_SCORED_ROW = re.compile(rf"^(1|0|content|clutter)\t{_PROBABILITY}\t")


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


def is_wet(path: str | os.PathLike) -> bool:
    return str(path).lower().endswith(WET_SUFFIXES)


def _open_binary(path: str | os.PathLike) -> IO[bytes]:
    if str(path) == STDIN:
        return sys.stdin.buffer
    try:
        if str(path).lower().endswith(".gz"):
            return gzip.open(path, "rb")
        return open(path, "rb")
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputError(path, f"broken symbolic link to {os.readlink(path)}") from None
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as error:
        raise InputError(path, f"cannot open: {error.strerror or error}") from None


def sniff_encoding(data: bytes) -> tuple[str, int]:
    """The encoding of ``data`` from its byte order mark, and the mark's length:
    ``("utf-8", 0)`` without one."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return encoding, len(mark)
    return "utf-8", 0


def decode(data: bytes, path: str | os.PathLike) -> str:
    """Text of ``data``: UTF-8, or UTF-16/32 when a byte order mark says so (the mark is
    dropped); invalid bytes become U+FFFD with a warning.

    A cleaner that meets an odd byte in one file of millions must go on, but never hide it.
    """
    encoding, start = sniff_encoding(data)
    body = memoryview(data)[start:]
    try:
        return str(body, encoding)
    except UnicodeDecodeError:
        text = str(body, encoding, errors="replace")
        bad = text.count("\ufffd") - str(body, encoding, errors="ignore").count("\ufffd")
        log.warning("%s: %d invalid %s byte sequence(s) replaced by U+FFFD", path, bad, encoding.upper())
        return text


def looks_binary(data: bytes) -> bool:
    """Whether ``data`` (without a UTF-16/32 byte order mark) is binary, not text: more than
    :data:`BINARY_CONTROL_SHARE` of its first :data:`BINARY_SAMPLE_BYTES` are control bytes
    that never occur in text (NUL and most other C0 codes)."""
    sample = data[:BINARY_SAMPLE_BYTES]
    if not sample:
        return False
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return controls > BINARY_CONTROL_SHARE * len(sample)


# Compressed data only a .gz name has read: said so rather than called binary.
_COMPRESSED_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
                     (b"PK\x03\x04", "zip"), (b"7z\xbc\xaf\x27\x1c", "7z"))


def what_binary(data: bytes, kind: str = "a text dump") -> str:
    """Why ``data``, which :func:`looks_binary`, is refused: compressed data (gzip in a file
    not named .gz), UTF-16 text without a byte order mark (every other byte NUL), or binary."""
    for magic, name in _COMPRESSED_MAGIC:
        if data.startswith(magic):
            if name == "gzip":
                return f"gzip-compressed data in a file not named .gz: name it .gz (or gunzip it), then it is {kind}"
            return f"{name}-compressed data, not {kind}: decompress it first (only .gz files are read compressed)"
    sample = data[:BINARY_SAMPLE_BYTES]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if max(even, odd) > 0.25 * len(sample) and min(even, odd) < 0.01 * len(sample):
        order = "LE" if odd > even else "BE"
        advice = "convert it to UTF-8" + (", or add the mark" if kind == "a text dump" else "")
        return f"UTF-16-{order} text without a byte order mark: {advice}"
    return f"binary file (control bytes such as NUL), not {kind}"


def decode_file(data: bytes, path: str | os.PathLike) -> str:
    """Text of a whole file: :func:`decode`, refusing binary data and counting stray NULs."""
    encoding, _ = sniff_encoding(data)
    if encoding == "utf-8":
        if looks_binary(data):
            raise InputError(path, what_binary(data))
        nuls = data.count(0)
        if nuls:
            log.warning("%s: %d NUL byte(s) kept in the text", path, nuls)
    return decode(data, path)


def read_bytes(path: str | os.PathLike) -> bytes:
    """The whole content of a (possibly gzipped) file, or of standard input for ``-``."""
    stream = _open_binary(path)
    try:
        return stream.read()
    except READ_ERRORS as error:
        raise InputError(path, f"cannot read: {error}") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def read_text(path: str | os.PathLike) -> str:
    """The whole text of a file (or of standard input for ``-``)."""
    return decode_file(read_bytes(path), path)


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
            if number == 1 and sniff_encoding(raw)[0] != "utf-8":
                # Read a line at a time, UTF-16/32 would be cut inside characters.
                raise InputError(path, f"JSONL in {sniff_encoding(raw)[0].upper()}: convert it to UTF-8", 1)
            if number == 1 and looks_binary(raw):
                # One error for the file, not one per "line" of, say, a misnamed archive.
                raise InputError(path, what_binary(raw, "JSONL"), 1)
            yield number, decode(raw, f"{path}:{number}")
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _raise(error: InputError) -> None:
    raise error


def expand_paths(patterns: Iterable[str | os.PathLike], on_error: ErrorHandler | None = None) -> list[str]:
    """Files named by ``patterns``: paths, glob patterns and directories (all files inside,
    recursively, in sorted order); ``-`` stands for standard input.

    A pattern that names nothing, a directory without a file to read, an unreadable
    directory, a special file (pipe, device, socket) found inside a directory, or ``-``
    given a second time is an
    :class:`InputError`, passed to ``on_error`` if given (and left out), else raised.
    One path given instead of a list of them is a :class:`TypeError`: a string would be
    read a character at a time, and its "/" is the whole file system.
    """
    if isinstance(patterns, (str, bytes, os.PathLike)):
        raise TypeError(f"expected a list of paths, got a single {type(patterns).__name__}: give [{str(patterns)!r}]")
    report = on_error or _raise
    paths: list[str] = []
    for pattern in map(str, patterns):
        if pattern == STDIN:
            if STDIN in paths:  # a second read of it finds nothing: a document that is not there
                report(InputError(pattern, "standard input given twice: it can be read only once"))
            else:
                paths.append(pattern)
            continue
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            report(InputError(pattern, "no file matches this pattern"))
        for match in matches:
            if os.path.isdir(match):
                found = _files_under(match, report)
                if not found:  # else a run on it ends "successfully" having read nothing
                    report(InputError(match, "no file to read in this directory"))
                paths.extend(found)
            elif os.path.exists(match) or os.path.islink(match):
                paths.append(match)
            else:
                report(InputError(match, "no such file or directory"))
    return paths


def _files_under(directory: str, report: ErrorHandler) -> list[str]:
    found = []

    def unreadable(error: OSError) -> None:
        report(InputError(error.filename or directory, f"cannot list directory: {error.strerror or error}"))

    for root, dirs, files in os.walk(directory, onerror=unreadable):
        dirs.sort()
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(root, name)
            # A pipe or device inside a directory would block or never end: only regular
            # files (and broken links, which report themselves when opened) are dumps.
            try:
                mode = os.stat(path).st_mode
            except OSError:
                mode = stat.S_IFREG
            if stat.S_ISREG(mode):
                found.append(path)
            else:
                report(InputError(path, "not a regular file (pipe, device or socket)"))
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
        missing = '" or "'.join(name for name in ("lines", "labels") if record.get(name) is None)
        raise InputError(path, f'record has no "{missing}" field', line)
    if not isinstance(lines, list) or not all(isinstance(item, str) for item in lines):
        raise InputError(path, '"lines" must be a list of strings', line)
    if not isinstance(labels, list):
        raise InputError(path, '"labels" must be a list of 0/1', line)
    if len(lines) != len(labels):
        raise InputError(path, f'"lines" has {len(lines)} items but "labels" has {len(labels)}', line)
    broken = _first_with_a_line_break(lines)
    if broken is not None:  # the model takes one line a string (boilerkit.features.as_strings)
        raise InputError(path, f"lines[{broken}] holds a line break (one line a string)", line)
    return {**record, "labels": _labels_from(labels, path, line)}


# A JSON escape of a UTF-16 surrogate: a pair makes one character, but a lone one makes a
# str that no codec can encode (writing it, or computing features of it, would crash).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _parse_json(text: str, path, line: int):
    try:
        value = orjson.loads(text)
        if _may_be_a_big_integer(value):  # a float, which apply would write back in its record
            value = json.loads(text)
    except orjson.JSONDecodeError:
        # what orjson refuses and the standard library reads (lone surrogates, NaN), and the
        # standard library's messages for what neither reads
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(path, f"invalid JSON: {error.msg} (column {error.colno})", line) from None
    if _SURROGATE_ESCAPE.search(text):
        value = _replace_lone_surrogates(value, path, line)
    return value


# The smallest magnitude of an integer orjson cannot hold in 64 bits (it makes a float of it).
_BIG_INTEGER = 2.0**63
_NOT_FLOATS = frozenset({str, int, bool, type(None)})


def _may_be_a_big_integer(value) -> bool:
    """Whether ``value``, as orjson read it, holds a float of at least 2**63: maybe an integer
    orjson could not hold exactly (123456789012345678901234567890 becomes 1.2345678901234568e+29).
    A record's lists of lines and labels are checked by C loops (their item types)."""
    if isinstance(value, float):
        return abs(value) >= _BIG_INTEGER
    if isinstance(value, dict):
        return any(map(_may_be_a_big_integer, value.values()))
    if isinstance(value, list):
        types = set(map(type, value))
        if types <= _NOT_FLOATS:
            return False
        if types == {float}:
            return max(map(abs, value)) >= _BIG_INTEGER
        return any(map(_may_be_a_big_integer, value))
    return False


def _replace_lone_surrogates(value, path, line: int):
    """``value`` with every lone surrogate in its strings replaced by U+FFFD, with a warning."""
    replaced = 0

    def fix(item):
        nonlocal replaced
        if isinstance(item, str):
            item, count = _SURROGATE.subn("\ufffd", item)
            replaced += count
            return item
        if isinstance(item, list):
            return [fix(element) for element in item]
        if isinstance(item, dict):
            return {fix(key): fix(element) for key, element in item.items()}
        return item

    value = fix(value)
    if replaced:
        log.warning("%s:%d: %d lone UTF-16 surrogate(s) replaced by U+FFFD", path, line, replaced)
    return value


def json_line(record) -> str:
    """``record`` as one line of JSON (UTF-8 characters as they are), with its newline.

    orjson writes a record several times as fast as the standard library (0.24 against 0.95
    µs per dump line of an apply record, labels and scores included); the standard library
    takes what orjson refuses (integers beyond 64 bits, NaN)."""
    try:
        return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE).decode()
    except TypeError:
        return json.dumps(record, ensure_ascii=False) + "\n"


def iter_labelled_jsonl(path: str | os.PathLike) -> Iterator[dict]:
    for number, text in _iter_text_lines(path):
        if text.strip():
            yield parse_labelled_record(_parse_json(text, path, number), path, number)


def parse_labelled_tsv(text: str, path: str | os.PathLike) -> dict:
    """A labelled dump in TSV: ``LABEL<TAB>line`` or ``LABEL<TAB>PROBABILITY<TAB>line`` rows."""
    rows = split_lines(text)
    # The form is decided for the whole file, by most of its rows: a line of text that
    # happens to start with a number and a tab is never mistaken for a probability, and a
    # damaged probability is an error naming its row, not a switch of the whole file to
    # LABEL<TAB>line (which would put every row's probability in front of its line).
    looks_scored = [bool(_SCORED_ROW.match(row)) for row in rows]
    scored = 2 * sum(looks_scored) > len(rows)
    lines, labels = [], []
    for number, (row, row_looks_scored) in enumerate(zip(rows, looks_scored), start=1):
        label, tab, rest = row.partition("\t")
        if not tab:
            raise InputError(path, "no TAB: expected LABEL<TAB>line", number)
        if label not in LABEL_WORDS:
            hint = ""
            if label.isdigit() and _SCORED_ROW.match(rest):
                hint = " (this looks like a review list of `apply --sort uncertain`: train on the `--format tsv` file)"
            raise InputError(path, f"unknown label {label!r}: expected 1, 0, content or clutter{hint}", number)
        if scored and not row_looks_scored:
            raise InputError(path, _not_scored_like_the_others(rest, sum(looks_scored), len(rows)), number)
        labels.append(LABEL_WORDS[label])
        lines.append(rest.partition("\t")[2] if scored else rest)
    return {"id": str(path), "lines": lines, "labels": labels}


def _not_scored_like_the_others(rest: str, scored_rows: int, rows: int) -> str:
    """What is wrong with a row of a scored TSV file, ``rest`` being the row after its label."""
    probability, tab, _ = rest.partition("\t")
    if tab:
        problem = f"{probability!r} is not a probability"
    else:
        problem = "no TAB after the probability" if re.fullmatch(_PROBABILITY, probability) else "no probability"
    return (f"{problem}: expected LABEL<TAB>PROBABILITY<TAB>line, as {scored_rows} of the file's {rows} rows are "
            "(apply --format tsv)")


def iter_labelled(paths: Iterable[str | os.PathLike]) -> Iterator[dict]:
    """Labelled documents from JSONL(.gz) and TSV files (globs and directories allowed)."""
    for path in expand_paths(paths):
        if is_jsonl(path):
            yield from iter_labelled_jsonl(path)
        else:
            yield parse_labelled_tsv(read_text(path), path)


def read_labelled(paths: Iterable[str | os.PathLike]) -> list[dict]:
    return list(iter_labelled(paths))


def check_has_labelled_lines(documents: Iterable[dict], paths: Iterable[str | os.PathLike]) -> None:
    """Raise :class:`InputError` naming ``paths`` when ``documents`` hold not one labelled
    line: scored, nothing would look like a result (every score 0, page F1 1.000); trained
    on, nothing would fail deep in the classifier."""
    if not any(document["lines"] for document in documents):
        raise InputError(_names_of(paths), "no labelled lines found")


def check_has_both_labels(documents: Sequence[dict], paths: Iterable[str | os.PathLike]) -> None:
    """Raise :class:`InputError` naming ``paths`` when every labelled line of ``documents``
    has the same label: scikit-learn fits such data without a word, and the model then
    gives every line of every page that label."""
    lines = sum(len(document["labels"]) for document in documents)
    content = sum(sum(document["labels"]) for document in documents)
    if lines and content in (0, lines):
        kind, other = ("clutter", "content") if content == 0 else ("content", "clutter")
        raise InputError(_names_of(paths), f"every labelled line is {kind}: a model needs {other} lines too")


def _names_of(paths: Iterable[str | os.PathLike]) -> str:
    return ", ".join("<stdin>" if str(path) == STDIN else str(path) for path in paths)


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
        if not isinstance(lines, list) or not _all_strings(lines):
            raise InputError(path, '"lines" must be a list of strings', line)
        broken = _first_with_a_line_break(lines)
        if broken is not None:
            raise InputError(
                path, f'lines[{broken}] holds a line break (one line a string; or give the dump as "text")', line)
        return Document(list(lines), str(path), record, "lines", line)
    raise InputError(path, 'record has neither a "text" nor a "lines" field', line)


def _all_strings(items: list) -> bool:
    # types by map (a C loop) first: a generator of isinstance calls took 0.5 us a line of apply
    return set(map(type, items)) <= {str} or all(isinstance(item, str) for item in items)


def _first_with_a_line_break(lines: list[str]) -> int | None:
    """Index of the first of ``lines`` holding ``\\n`` or ``\\r``, which would break its row of
    the output in two (or be read back as two lines); ``None`` if none does."""
    joined = "".join(lines)  # one C search of the record, not a Python loop over its lines
    if "\n" not in joined and "\r" not in joined:
        return None
    return next(i for i, item in enumerate(lines) if "\n" in item or "\r" in item)


def iter_documents(paths: Iterable[str | os.PathLike]) -> Iterator[Document]:
    """Documents to clean from text files, directories, ``-`` and JSONL(.gz) files, in order,
    streaming (a JSONL file is read a record at a time)."""
    return documents_of_files(expand_paths(paths))


def documents_of_files(files: Iterable[str], on_error: ErrorHandler | None = None) -> Iterator[Document]:
    """Documents of already expanded file names (see :func:`expand_paths`).

    With ``on_error``, a file that cannot be read, or a bad record of a JSONL file, is passed
    to it and skipped, and reading goes on with the next record (or file); without, the
    first problem raises.
    """
    for path in files:
        try:
            yield from _documents_of_file(path, on_error)
        except InputError as error:
            if on_error is None:
                raise
            on_error(error)


def _documents_of_jsonl(path: str, on_error: ErrorHandler | None) -> Iterator[Document]:
    # A read error (a damaged gzip stream) ends the file; a bad record is only that record.
    for number, text in _iter_text_lines(path):
        if not text.strip():
            continue
        try:
            document = parse_document_record(_parse_json(text, path, number), path, number)
        except InputError as error:
            if on_error is None:
                raise
            on_error(error)
            continue
        yield document


def _documents_of_file(path: str, on_error: ErrorHandler | None) -> Iterator[Document]:
    if is_jsonl(path):
        yield from _documents_of_jsonl(path, on_error)
    elif is_wet(path):
        from .warc import iter_wet_documents  # FastWARC is loaded only for WET input

        yield from iter_wet_documents(path)
    else:
        yield Document(split_lines(read_text(path)), "<stdin>" if path == STDIN else str(path))


# ---------------------------------------------------------------------------- output


# Where the links to open file descriptors are (/dev/stdout -> /proc/self/fd/1).
_DESCRIPTOR_DIRS = ("/dev/", "/proc/")


def writes_in_place(path: str | os.PathLike) -> bool:
    """Whether output to ``path`` goes straight into it, not into a file renamed over it:
    an existing device, pipe or socket (``/dev/null``, a FIFO), which a rename would replace
    by a plain file, and ``/dev/stdout`` or ``/dev/fd/N``, a descriptor the caller opened."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    if stat.S_ISDIR(mode):
        return False
    if not stat.S_ISREG(mode):
        return True
    return os.path.islink(path) and os.path.abspath(path).startswith(_DESCRIPTOR_DIRS)


def file_replaced_by(path: str | os.PathLike) -> str:
    """The file that an output named ``path`` replaces when complete: for a symbolic link,
    the file it points to, so that the link stays a link and its target gets the output."""
    return os.path.realpath(path) if os.path.islink(path) else str(path)


@contextlib.contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside the file ``path`` names (a symbolic link's target, see
    :func:`file_replaced_by`), renamed over it when the block ends, removed if the block
    fails: a full disk or Ctrl-C leaves no half-written file under the name.  For files
    written whole by a library (a model, its card); text streams have :class:`AtomicWriter`."""
    written = Path(file_replaced_by(path))
    tmp = written.with_name(f".{written.name}.part")
    try:
        yield tmp
        os.replace(tmp, written)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class AtomicWriter:
    """A text output that appears under its name only when complete.

    Writes go to a temporary file in the same directory, renamed over the target on
    success; on any error the temporary file is removed, so an interrupted run never leaves
    a half-written file that looks whole.  That includes ``KeyboardInterrupt`` and, when
    the CLI turns SIGTERM and SIGHUP into ``SystemExit``, a kill or a closed terminal; only
    SIGKILL (or a power cut) leaves the hidden ``.NAME.PID.part`` file behind, never a
    file under the output's name.

    A symbolic link is followed: the file it points to is replaced.  A device, pipe or
    socket (:func:`writes_in_place`) is written straight into: there is nothing to rename.

    ``-`` writes to standard output, in UTF-8 with ``\\n`` line ends like a file, whatever
    the locale (a Latin-1 terminal would otherwise fail on the first CJK line).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        self._tmp: str | None = None
        self._target: str | None = None
        self.stream: IO[str] | None = None

    def __enter__(self) -> IO[str]:
        if self.path == STDIN:
            sys.stdout.flush()
            buffer = getattr(sys.stdout, "buffer", None)
            # A stdout without a byte buffer (a test's capture) is used as it is.
            self.stream = sys.stdout if buffer is None else io.TextIOWrapper(buffer, encoding="utf-8", newline="\n")
            return self.stream
        if os.path.isdir(self.path):
            raise InputError(self.path, "output is a directory, not a file")
        if writes_in_place(self.path):
            # Appending, not truncating: /dev/stdout may be a file the shell opened with >>.
            self.stream = self._open(self.path, "a")
            return self.stream
        self._target = file_replaced_by(self.path)
        target = Path(self._target)
        directory = target.parent if str(target.parent) else Path(".")
        if not directory.is_dir():
            raise InputError(self.path, "output directory does not exist")
        self._tmp = str(directory / f".{target.name}.{os.getpid()}.part")
        self.stream = self._open(self._tmp, "w")
        return self.stream

    def _open(self, path: str, mode: str) -> IO[str]:
        try:
            return io.open(path, mode, encoding="utf-8", newline="\n")
        except OSError as error:
            raise InputError(self.path, f"cannot write here: {error.strerror or error}") from None

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.stream is None:
            return
        if self.path == STDIN:
            self.stream.flush()
            if self.stream is not sys.stdout:
                self.stream.detach()  # leave sys.stdout's buffer open
            return
        if self._tmp is None:
            self._close_in_place(failed=exc_type is not None)
            return
        try:
            self.stream.close()  # the last flush can fail too (a full disk)
            if exc_type is None:
                os.replace(self._tmp, self._target)
                return
        except BaseException:
            self._remove_tmp()
            raise
        self._remove_tmp()

    def _close_in_place(self, failed: bool) -> None:
        try:
            self.stream.close()  # the last flush can fail too (/dev/full)
        except OSError:
            if not failed:  # else the error that stopped the writing is the one to report
                raise

    def _remove_tmp(self) -> None:
        try:
            os.unlink(self._tmp)
        except FileNotFoundError:
            pass
