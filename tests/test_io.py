"""Reading dumps: the formats, their round trips, and one clear error per malformed input."""

from __future__ import annotations

import gzip
import json
import logging
import os
import stat
from pathlib import Path

import pytest

from boilerkit.apply import apply
from boilerkit.io import (
    AtomicWriter,
    InputError,
    expand_paths,
    iter_documents,
    json_line,
    parse_labelled_tsv,
    read_labelled,
    split_lines,
)

from .conftest import EXAMPLES, read_in_background


@pytest.mark.parametrize(
    "text, lines",
    [
        ("", []),
        ("a", ["a"]),
        ("a\n", ["a"]),
        ("a\r\nb", ["a", "b"]),
        ("a\rb\r", ["a", "b"]),
        ("a\n\nb", ["a", "", "b"]),
        ("a\r\n\rb\n", ["a", "", "b"]),
        ("form\x0cfeed\x85nel\u2028ls", ["form\x0cfeed\x85nel\u2028ls"]),
    ],
)
def test_split_lines_breaks_only_at_newline_endings(text, lines):
    assert split_lines(text) == lines


def test_split_lines_agrees_with_splitlines_for_the_three_endings():
    text = "one\r\ntwo\rthree\nfour\n\nfive"
    assert split_lines(text) == text.splitlines()


def test_labelled_jsonl_round_trip(tmp_path):
    docs = [
        {"id": "a", "dataset": "x", "lines": ["Home", "Real text."], "labels": [0, 1]},
        {"id": "b", "lines": [], "labels": []},
    ]
    path = tmp_path / "docs.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.writelines(json.dumps(doc) + "\n" for doc in docs)
    assert read_labelled([path]) == docs


def test_labelled_tsv_reads_words_and_digits(tmp_path):
    path = tmp_path / "page.tsv"
    path.write_text("content\tA sentence.\nclutter\tHome\n1\tx\ty\n0\t\n", encoding="utf-8")
    (doc,) = read_labelled([path])
    assert doc["lines"] == ["A sentence.", "Home", "x\ty", ""]
    assert doc["labels"] == [1, 0, 1, 0]


def test_labelled_tsv_reads_apply_tsv_output():
    doc = parse_labelled_tsv("1\t0.9731\tA sentence.\n0\t0.0100\tHome\n", "f.tsv")
    assert doc["lines"] == ["A sentence.", "Home"]
    assert doc["labels"] == [1, 0]


def test_labelled_tsv_keeps_a_number_and_tab_that_belong_to_the_line():
    # not every row has a probability column, so the file is LABEL<TAB>line
    doc = parse_labelled_tsv("1\t0.5\tof a cup\n0\tHome\n", "f.tsv")
    assert doc["lines"] == ["0.5\tof a cup", "Home"]


SCORED = "1\t0.9731\tA sentence.\n0\t0.0100\tHome\n1\t0.8800\tAnother sentence.\n"


@pytest.mark.parametrize("row, reason", [("0\tabc\tMenu", "'abc' is not a probability"),
                                         ("0\tMenu", "no probability"),
                                         ("0\t0.0100", "no TAB after the probability")])
def test_a_row_without_a_probability_in_a_scored_tsv_is_an_error_naming_it(row, reason):
    with pytest.raises(InputError) as caught:
        parse_labelled_tsv(SCORED + row + "\n", "f.tsv")
    assert caught.value.line == 4
    assert str(caught.value) == (f"f.tsv:4: {reason}: expected LABEL<TAB>PROBABILITY<TAB>line, as 3 of the file's 4 rows "
                                 "are (apply --format tsv)")


def test_example_files_read(tmp_path):
    assert len(read_labelled([EXAMPLES / "labelled.jsonl"])) == 2
    (tsv,) = read_labelled([EXAMPLES / "news-dump.labelled.tsv"])
    text = (EXAMPLES / "news-dump.txt").read_text(encoding="utf-8")
    assert tsv["lines"] == split_lines(text)


def test_directories_and_globs_expand_in_sorted_order(tmp_path):
    for name in ("b.txt", "a.txt"):
        (tmp_path / name).write_text(f"{name}\n", encoding="utf-8")
    docs = list(iter_documents([tmp_path]))
    assert [doc.lines for doc in docs] == [["a.txt"], ["b.txt"]]
    assert [doc.lines for doc in iter_documents([str(tmp_path / "*.txt")])] == [["a.txt"], ["b.txt"]]


def test_document_records_with_text_or_lines(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text(
        json.dumps({"id": 1, "text": "a\r\nb"}) + "\n" + json.dumps({"id": 2, "lines": ["c"]}) + "\n", encoding="utf-8"
    )
    first, second = iter_documents([path])
    assert (first.lines, first.text_field, first.record["id"]) == (["a", "b"], "text", 1)
    assert (second.lines, second.text_field) == (["c"], "lines")


def test_invalid_utf8_is_replaced_and_warned(tmp_path, caplog):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café\n".encode("latin-1"))
    # the CLI's own logging setup (from other tests) stops propagation: listen on our logger
    logger = logging.getLogger("boilerkit")
    logger.addHandler(caplog.handler)
    try:
        (doc,) = iter_documents([path])
    finally:
        logger.removeHandler(caplog.handler)
    assert doc.lines == ["caf\ufffd"]
    assert "invalid UTF-8" in caplog.text


def test_utf8_bom_is_dropped(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhello\n")
    assert next(iter_documents([path])).lines == ["hello"]


# --- malformed inputs: each names the file and the line


def _labelled_error(tmp_path, name: str, content: str) -> InputError:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_labelled([path])
    return caught.value


GOOD = json.dumps({"lines": ["a"], "labels": [1]})


@pytest.mark.parametrize(
    "content, line, reason",
    [
        (GOOD + "\n{not json\n", 2, "invalid JSON"),
        (GOOD + "\n[1, 2]\n", 2, "expected a JSON object"),
        (json.dumps({"lines": ["a"]}) + "\n", 1, 'no "labels"'),
        (json.dumps({"labels": [1]}) + "\n", 1, 'no "lines"'),
        (json.dumps({"text": "a"}) + "\n", 1, 'record has no "lines" or "labels" field'),
        (json.dumps({"lines": "a", "labels": [1]}) + "\n", 1, "list of strings"),
        (json.dumps({"lines": ["a", 2], "labels": [1, 0]}) + "\n", 1, "list of strings"),
        (json.dumps({"lines": ["a"], "labels": [1, 0]}) + "\n", 1, "has 1 items"),
        (json.dumps({"lines": ["a"], "labels": [2]}) + "\n", 1, "not 0 or 1"),
        (json.dumps({"lines": ["a"], "labels": [True]}) + "\n", 1, "not 0 or 1"),
        (json.dumps({"lines": ["a"], "labels": "1"}) + "\n", 1, "list of 0/1"),
        ("\n" + GOOD + "\n\n" + "nul\x00\n", 4, "invalid JSON"),
        (GOOD + "\n" + json.dumps({"lines": ["a", "b\nc"], "labels": [1, 0]}) + "\n", 2,
         "lines[1] holds a line break"),
        (json.dumps({"lines": ["a\rb"], "labels": [1]}) + "\n", 1, "lines[0] holds a line break"),
    ],
)
def test_malformed_labelled_jsonl(tmp_path, content, line, reason):
    error = _labelled_error(tmp_path, "bad.jsonl", content)
    assert error.line == line
    assert reason in str(error)
    assert str(error).startswith(f"{tmp_path / 'bad.jsonl'}:{line}: ")
    assert "\n" not in str(error)


@pytest.mark.parametrize(
    "content, line, reason",
    [
        ("1\tok\nno tab here\n", 2, "no TAB"),
        ("1\tok\nmaybe\ttext\n", 2, "unknown label 'maybe'"),
        ("\tempty label\n", 1, "unknown label ''"),
    ],
)
def test_malformed_labelled_tsv(tmp_path, content, line, reason):
    error = _labelled_error(tmp_path, "bad.tsv", content)
    assert (error.line, reason in str(error)) == (line, True)


@pytest.mark.parametrize(
    "record, reason",
    [
        ({"id": 1}, 'neither a "text" nor a "lines"'),
        ({"text": 3}, '"text" must be a string'),
        ({"lines": [1]}, '"lines" must be a list of strings'),
        ({"lines": ["w\nq", "x"]}, r"lines\[0\] holds a line break"),
        ({"lines": ["a", "b\rc"]}, r"lines\[1\] holds a line break"),
    ],
)
def test_malformed_document_records(tmp_path, record, reason):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"text": "fine"}) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=reason) as caught:
        list(iter_documents([path]))
    assert caught.value.line == 2


def test_integers_beyond_64_bits_in_a_record_stay_exact(tmp_path):
    # orjson reads 123456789012345678901234567890 as the float 1.2345678901234568e+29, which
    # apply then wrote back into the record it keeps
    big = {"id": 123456789012345678901234567890, "meta": {"ids": [-(2**70), 1]}, "scores": [0.5]}
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({**big, "text": "a"}) + "\n" + json.dumps({"id": 2**64 - 1, "lines": ["b"]}) + "\n",
                    encoding="utf-8")
    first, second = (document.record for document in iter_documents([path]))
    assert {key: first[key] for key in big} == big and type(first["id"]) is int
    assert second["id"] == 2**64 - 1
    assert json.loads(json_line(first))["id"] == 123456789012345678901234567890


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(iter_documents([tmp_path / "missing.txt"]))


def test_stdin_given_twice_is_refused_not_read_as_an_empty_second_document():
    with pytest.raises(InputError, match="standard input given twice"):
        expand_paths(["-", "-"])
    skipped = []
    assert expand_paths(["-", "-"], on_error=skipped.append) == ["-"]
    assert [str(error) for error in skipped] == ["-: standard input given twice: it can be read only once"]


@pytest.mark.parametrize("given", ["/", "page.txt", os.curdir])
def test_one_path_instead_of_a_list_is_refused_not_read_a_character_at_a_time(given, monkeypatch):
    # expand_paths("/tmp/page.txt") took "/" for a directory and walked the whole file system
    walked = []
    monkeypatch.setattr(os, "walk", lambda *args, **kwargs: walked.append(args) or iter(()))
    for patterns in (given, Path(given)):
        with pytest.raises(TypeError, match="expected a list of paths, got a single"):
            expand_paths(patterns)
        with pytest.raises(TypeError, match="expected a list of paths"):
            list(iter_documents(patterns))
        with pytest.raises(TypeError, match="expected a list of paths"):
            apply(patterns, model=None)
    assert walked == []


def test_glob_without_match(tmp_path):
    with pytest.raises(InputError, match="no file matches"):
        list(iter_documents([str(tmp_path / "*.nothing")]))


def test_corrupt_gzip_names_the_file(tmp_path):
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage-not-gzip")
    with pytest.raises(InputError) as caught:
        read_labelled([path])
    assert str(caught.value).startswith(str(path))


def test_atomic_writer_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with AtomicWriter(target) as out:
            out.write("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_atomic_writer_replaces_only_when_complete(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with AtomicWriter(target) as out:
        out.write("new")
        assert target.read_text(encoding="utf-8") == "old"
    assert target.read_text(encoding="utf-8") == "new"


def test_atomic_writer_writes_straight_into_a_fifo(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    thread, received = read_in_background(fifo)
    with AtomicWriter(fifo) as out:
        out.write("through the pipe\n")
    thread.join(timeout=10)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # not a file renamed over it
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fifo"]


def test_atomic_writer_replaces_the_file_a_symlink_points_to_and_keeps_the_link(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target.name)
    with AtomicWriter(link) as out:
        out.write("new")
        assert target.read_text(encoding="utf-8") == "old"
    assert link.is_symlink() and os.readlink(link) == target.name
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["link.txt", "target.txt"]


def test_atomic_writer_refuses_a_directory_before_writing(tmp_path):
    with pytest.raises(InputError, match="output is a directory, not a file") as caught:
        with AtomicWriter(tmp_path):
            pass
    assert caught.value.path == str(tmp_path)
    assert list(tmp_path.iterdir()) == []
