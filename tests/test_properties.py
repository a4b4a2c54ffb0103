"""Properties of the readers and of ``apply`` over any text (hypothesis).

For any text: the readers give back its lines whatever the encoding or JSON escaping; the
``text`` output is the lines labelled content, in order, byte for byte; the ``tsv`` output
has exactly one row per input line; and a document gets the same labels alone or inside a
batch.  Rows are split on ``\\n`` only: \\x0b, \\x0c, \\x1c, \\x85 or \\u2028 are not line
breaks for boilerkit (see :func:`boilerkit.io.split_lines`).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boilerkit.apply import apply, iter_labelled_documents, label_documents
from boilerkit.io import Document, iter_documents, read_text, split_lines

# Modest example counts keep the whole suite fast; the model is the session's small one.
# No deadline or speed check: a busy CI machine is not a bug.
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Binary files (mostly control bytes) are refused by design, and a leading U+FEFF is read as
# a byte order mark: leave both out of "any text".  Surrogates cannot be encoded at all.
_CONTROLS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\x0b\x0c\r\x1b\x1c\x1d\x1e\x1f")
# Characters worth meeting often: the line breaks, and the look-alikes that are not breaks.
_AWKWARD = list("\n\r\t \x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x1b") + ["\r\n", "é", "日本", "\U0001f600", "\ufffd"]
texts = st.lists(
    st.one_of(
        st.characters(exclude_categories=("Cs",), exclude_characters=_CONTROLS + "\ufeff"),
        st.sampled_from(_AWKWARD),
    ),
    max_size=60,
).map("".join)


def content_lines(text: str, labels) -> list[str]:
    return [line for line, label in zip(split_lines(text), labels) if label]


@SETTINGS
@given(text=texts, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_read_text_gives_back_any_text_in_any_marked_encoding(text, encoding):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "page.txt"
        path.write_bytes(text.encode(encoding))
        assert read_text(path) == text


@SETTINGS
@given(text=texts, ascii_only=st.booleans())
def test_jsonl_records_give_back_the_lines_of_any_text(text, ascii_only):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "docs.jsonl"
        records = [{"text": text}, {"lines": split_lines(text)}]
        path.write_text("".join(json.dumps(r, ensure_ascii=ascii_only) + "\n" for r in records), encoding="utf-8")
        first, second = iter_documents([path])
        assert first.lines == second.lines == split_lines(text)


@SETTINGS
@given(text=texts)
def test_text_output_is_the_content_lines_in_order_byte_for_byte(small_model, text):
    with tempfile.TemporaryDirectory() as directory:
        page = Path(directory) / "page.txt"
        page.write_bytes(text.encode("utf-8"))
        apply([page], small_model, output_format="tsv", output=Path(directory) / "out.tsv")
        apply([page], small_model, output_format="text", output=Path(directory) / "out.txt")
        rows = (Path(directory) / "out.tsv").read_bytes().decode("utf-8").split("\n")[:-1]
        kept = (Path(directory) / "out.txt").read_bytes()
    assert len(rows) == len(split_lines(text))
    assert [row.split("\t", 2)[2] for row in rows] == split_lines(text)
    labels = [int(row.split("\t", 1)[0]) for row in rows]
    assert kept == "".join(line + "\n" for line in content_lines(text, labels)).encode("utf-8")


@settings(SETTINGS, max_examples=30)  # each example predicts every document twice
@given(documents=st.lists(texts, min_size=1, max_size=4), batch_lines=st.integers(1, 40))
def test_a_document_gets_the_same_labels_alone_or_in_a_batch(small_model, documents, batch_lines):
    docs = [Document(split_lines(text), f"doc{i}") for i, text in enumerate(documents)]
    together = list(iter_labelled_documents(small_model, docs, batch_lines=batch_lines))
    assert [result.document for result in together] == docs
    for doc, result in zip(docs, together):
        (alone,) = label_documents(small_model, [doc])
        np.testing.assert_array_equal(result.labels, alone.labels)
        np.testing.assert_allclose(result.scores, alone.scores, atol=1e-6)
