"""WET files (the plain-text dumps of Common Crawl) in and out, through FastWARC.

A WET file is a WARC file whose ``conversion`` records each hold the text of one crawled
page, with its ``WARC-Record-ID`` and ``WARC-Target-URI``; Common Crawl gzips every record
on its own (``.warc.wet.gz``).  Parsing WARC is left to FastWARC (part of Resiliparse, the
fast and well-tested reader that Common Crawl users already run), never to code of ours.

Reading: every ``conversion`` record becomes a :class:`WetDocument`, with
``record = {"warc_record_id": ..., "url": ...}`` so that ``apply --format jsonl`` writes the
record id, the URL, the cleaned text (``content``) and per-line labels and scores.  Other
record types (the leading ``warcinfo``) are skipped.

Writing (``apply --format wet``, only for WET input): each input record again, with its
WARC headers kept (record id included, so cleaned and raw records join on it), the cleaned
text as its block, and a new ``Content-Length`` and ``WARC-Block-Digest``.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

from .io import Document, InputError, decode, is_wet, split_lines

log = logging.getLogger(__name__)

# Headers that describe the old block and must not be copied onto the cleaned one:
# FastWARC writes a new length and block digest; a payload digest would be stale.
_BLOCK_HEADERS = frozenset({"content-length", "warc-block-digest", "warc-payload-digest"})
# Compression level of each gzip member of a written .warc.wet.gz: gzip's own default,
# which Common Crawl's files also use (higher levels cost much time for little space).
GZIP_LEVEL = 6


@dataclass
class WetDocument(Document):
    """A :class:`~boilerkit.io.Document` read from a WET record, with the record's WARC
    headers (name, value pairs in order) kept for writing it back."""

    warc_headers: list[tuple[str, str]] = field(default_factory=list)
    warc_version: str = "WARC/1.0"


def iter_wet_documents(path: str | os.PathLike) -> Iterator[WetDocument]:
    """The ``conversion`` records of a WET file (gzipped or not), in order, streaming."""
    path = str(path)
    if not os.path.isfile(path):
        raise InputError(path, "no such file")
    number = 0
    try:
        # fsspec_args=False: a local path, opened by FastWARC itself (no fsspec needed);
        # stream_detect: a gzipped file is recognised by its bytes, not only its name.
        records = ArchiveIterator(
            path, record_types=WarcRecordType.conversion, parse_http=False, fsspec_args=False, stream_detect=True
        )
        for record in records:
            number += 1
            yield _document_of(record, path, number)
    except OSError as error:
        raise InputError(path, f"cannot read WARC record {number + 1}: {error}") from None


def _document_of(record: WarcRecord, path: str, number: int) -> WetDocument:
    data = record.reader.read()
    # FastWARC ends a cut-off file (a truncated download) quietly, with a last record whose
    # headers or block stop short: say so instead of passing on a damaged record.
    if record.headers.get("Content-Length") is None:
        raise InputError(path, f"WARC record {number} is truncated (no Content-Length header)")
    if len(data) < record.content_length:
        raise InputError(path, f"WARC record {number} is truncated: {len(data)} of {record.content_length} bytes")
    text = decode(data, f"{path}: record {number}")
    headers = record.headers
    return WetDocument(
        lines=split_lines(text),
        source=path,
        record={"warc_record_id": record.record_id, "url": headers.get("WARC-Target-URI")},
        text_field="text",
        number=number,
        warc_headers=list(headers.items()),
        warc_version=headers.status_line or "WARC/1.0",
    )


def check_wet_inputs(paths: Sequence[str]) -> None:
    """WET output is made of input records: refuse inputs that are not WET files."""
    for path in paths:
        if not is_wet(path):
            raise InputError(path, "--format wet needs WET input (.warc.wet or .warc.wet.gz files)")


def wet_record_bytes(document: WetDocument, content: str) -> bytes:
    """One WARC record: ``document``'s headers with ``content`` as its block."""
    record = WarcRecord()
    record.init_headers(record_type=WarcRecordType.conversion)
    headers = record.headers
    headers.status_line = document.warc_version
    seen: set[str] = set()
    for name, value in document.warc_headers:
        key = name.lower()
        if key in _BLOCK_HEADERS:
            continue
        if key in seen or key not in ("warc-type", "warc-date", "warc-record-id"):
            headers.append(name, value)
        else:
            headers[name] = value  # replaces the value init_headers made up
        seen.add(key)
    record.set_bytes_content(content.encode("utf-8"))
    buffer = io.BytesIO()
    record.write(buffer, checksum_data=True)
    return buffer.getvalue()


def wet_writer(gzipped: bool) -> Callable:
    """A writer for :func:`boilerkit.apply.apply`: each labelled WET record as a WARC record
    of its content lines, gzipped one record per member when ``gzipped`` (as Common Crawl
    does, so a reader can seek to any record)."""

    def write_wet(result, out: IO[str]) -> None:
        document = result.document
        if not isinstance(document, WetDocument):
            raise InputError(document.source, "--format wet needs WET input (.warc.wet or .warc.wet.gz files)")
        content = "\n".join(line for line, label in zip(document.lines, result.labels) if label)
        data = wet_record_bytes(document, content)
        if gzipped:
            data = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
        out.flush()  # the text layer may hold nothing, but order must be kept
        out.buffer.write(data)

    return write_wet
