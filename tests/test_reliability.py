"""Bad inputs, one test each: boilerkit never crashes, says in one line which file (and line
or record) is wrong, goes on with the others, loses nothing, and runs no code from a model
file it does not trust."""

from __future__ import annotations

import bz2
import copy
import gzip
import json
import lzma
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import pytest
import skops.io
from sklearn.preprocessing import FunctionTransformer
from typer.testing import CliRunner

from boilerkit import model as model_module
from boilerkit.cli import app
from boilerkit.io import InputError, iter_documents, looks_binary, split_lines
from boilerkit.model import TRUSTED_TYPES, BoilerplateModel, ModelError, card_path, load_model, save_model

runner = CliRunner()
CONTENT = "A sentence of real content, long enough to be worth reading twice.\nHome\n"


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def write(directory: Path, name: str, data: bytes | str) -> Path:
    path = directory / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("boilerkit: error: ")]


def tsv_rows(output: str) -> list[str]:
    # Only \n ends a row: \x0b, \x0c, \x1c, \x85 or \u2028 inside a line are part of it.
    return output.split("\n")[:-1] if output else []


def assert_clean_failure(result, *expected: str):
    """Exit status 1, one error line per expected fragment (in order), no traceback."""
    assert result.exit_code == 1, result.output
    errors = error_lines(result)
    assert len(errors) == len(expected), result.stderr
    for line, fragment in zip(errors, expected):
        assert fragment in line, line
    assert "Traceback" not in result.output


@pytest.fixture
def good(tmp_path) -> Path:
    return write(tmp_path, "good.txt", CONTENT)


# ------------------------------------------------------------------ encodings and bytes


def test_binary_file_is_skipped_with_one_line_and_the_rest_cleaned(small_model_path, tmp_path, good):
    binary = write(tmp_path, "image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    result = run("apply", binary, good, "-m", small_model_path, "-f", "tsv")
    assert_clean_failure(result, f"{binary}: binary file")
    assert len(tsv_rows(result.stdout)) == 2


def test_random_bytes_look_binary_and_text_does_not():
    assert looks_binary(np.random.default_rng(0).bytes(8192))
    assert not looks_binary("Grüße, 日本語 and a tab\tand a form feed\x0c.\n".encode() * 100)


TEXT = "Home | About\nAn article about the news of the day, in full sentences.\n" * 20


@pytest.mark.parametrize("name, data, reason", [
    ("page.txt", TEXT.encode("utf-16-le"), "UTF-16-LE text without a byte order mark: convert it to UTF-8, or add"),
    ("page.txt", TEXT.encode("utf-16-be"), "UTF-16-BE text without a byte order mark"),
    ("page.txt", gzip.compress(TEXT.encode()), "gzip-compressed data in a file not named .gz: name it .gz"),
    ("page.txt.bz2", bz2.compress(TEXT.encode()), "bz2-compressed data, not a text dump: decompress it first"),
    ("page.txt.xz", lzma.compress(TEXT.encode()), "xz-compressed data, not a text dump: decompress it first"),
    ("docs.jsonl", (json.dumps({"text": TEXT}) + "\n").encode("utf-16-le"),
     "UTF-16-LE text without a byte order mark: convert it to UTF-8$"),
    ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "binary file"),
], ids=["utf-16-le", "utf-16-be", "gzip-not-named-gz", "bz2", "xz", "utf-16-jsonl", "png"])
def test_a_file_refused_as_binary_says_what_it_is(tmp_path, name, data, reason):
    # UTF-16 without its mark, and compressed dumps, were all "binary file (control bytes such as NUL)"
    path = write(tmp_path, name, data)
    with pytest.raises(InputError, match=reason):
        list(iter_documents([path]))


def test_invalid_utf8_is_replaced_and_counted(small_model_path, tmp_path):
    latin1 = write(tmp_path, "latin1.txt", "café crème\n".encode("latin-1"))
    result = run("apply", latin1, "-m", small_model_path, "-f", "tsv")
    assert result.exit_code == 0
    assert "2 invalid UTF-8 byte sequence(s) replaced" in result.stderr and str(latin1) in result.stderr
    assert tsv_rows(result.stdout)[0].endswith("\tcaf\ufffd cr\ufffdme")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_byte_order_mark_chooses_the_encoding(tmp_path, encoding):
    text = "Grüße aus Köln\r\n日本語のテキスト\n\U0001f600 last"
    data = text.encode(encoding)
    if encoding.endswith("-be"):  # Python writes no BOM for the explicit-endian codecs
        data = "\ufeff".encode(encoding) + data
    (doc,) = iter_documents([write(tmp_path, "page.txt", data)])
    assert doc.lines == split_lines(text)


def test_utf16_with_a_broken_last_character_is_replaced_and_warned(small_model_path, tmp_path):
    path = write(tmp_path, "cut.txt", "\ufeffok\n".encode("utf-16-le") + b"\x41")
    result = run("apply", path, "-m", small_model_path, "-f", "tsv")
    assert result.exit_code == 0
    assert [row.split("\t", 2)[2] for row in tsv_rows(result.stdout)] == ["ok", "\ufffd"]
    assert f"{path}: 1 invalid UTF-16-LE byte sequence(s) replaced" in result.stderr


def test_utf16_jsonl_is_refused_with_advice(small_model_path, tmp_path):
    path = write(tmp_path, "docs.jsonl", '{"text": "a"}\n'.encode("utf-16"))
    result = run("apply", path, "-m", small_model_path)
    assert_clean_failure(result, f"{path}:1: JSONL in UTF-16-LE: convert it to UTF-8")


def test_a_few_nul_bytes_are_kept_and_warned(small_model_path, tmp_path):
    path = write(tmp_path, "nul.txt", b"before\x00after\nnext line\n")
    result = run("apply", path, "-m", small_model_path, "-f", "tsv")
    assert result.exit_code == 0
    assert [row.split("\t", 2)[2] for row in tsv_rows(result.stdout)] == ["before\x00after", "next line"]
    assert f"{path}: 1 NUL byte(s) kept" in result.stderr


def test_lone_surrogate_in_jsonl_is_replaced_and_warned(small_model_path, tmp_path):
    path = write(tmp_path, "docs.jsonl", '{"text": "half \\ud800 a pair \\ud83d\\ude00\\nok"}\n')
    result = run("apply", path, "-m", small_model_path, "-f", "jsonl")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["text"] == "half \ufffd a pair \U0001f600\nok"
    assert "1 lone UTF-16 surrogate(s) replaced" in result.stderr


def test_a_single_50_mb_line(small_model_path, tmp_path):
    # A base64 blob or minified script on one line: slow to score, but one row out.
    path = write(tmp_path, "blob.txt", b"Intro line.\n" + b"QUJD" * 12_500_000 + b"\n")
    out = tmp_path / "out.tsv"
    result = run("apply", path, "-m", small_model_path, "-f", "tsv", "-o", out)
    assert result.exit_code == 0, result.output
    with open(out, "rb") as stream:
        rows = stream.read().split(b"\n")[:-1]
    assert len(rows) == 2 and rows[1].endswith(b"\t" + b"QUJD" * 12_500_000)


# ------------------------------------------------------------------ empty and line ends


def test_empty_file_gives_empty_output(small_model_path, tmp_path):
    result = run("apply", write(tmp_path, "empty.txt", b""), "-m", small_model_path, "-f", "tsv")
    assert (result.exit_code, result.stdout) == (0, "")


@pytest.mark.parametrize("text", ["\n\n\n", "   \n\t\n", "\n"])
def test_only_blank_lines_give_one_row_each(small_model_path, tmp_path, text):
    result = run("apply", write(tmp_path, "blank.txt", text), "-m", small_model_path, "-f", "tsv")
    assert result.exit_code == 0
    assert len(tsv_rows(result.stdout)) == len(split_lines(text))


@pytest.mark.parametrize(
    "data, lines",
    [
        (b"first line\r\nsecond line\r\n", ["first line", "second line"]),
        (b"first line\rsecond line\r", ["first line", "second line"]),
        (b"one\ntwo\r\nthree\rfour", ["one", "two", "three", "four"]),
        (b"one\r\r\ntwo", ["one", "", "two"]),
    ],
    ids=["crlf", "lone-cr", "mixed", "cr-then-crlf"],
)
def test_line_endings(small_model_path, tmp_path, data, lines):
    result = run("apply", write(tmp_path, "page.txt", data), "-m", small_model_path, "-f", "tsv")
    assert result.exit_code == 0
    assert [row.split("\t", 2)[2] for row in tsv_rows(result.stdout)] == lines


# ------------------------------------------------------------------------------ JSONL


def test_jsonl_bad_line_in_the_middle_is_reported_and_the_rest_kept(small_model_path, tmp_path):
    path = write(tmp_path, "docs.jsonl", '{"id": 1, "text": "a"}\n{"id": 2, "text": \n{"id": 3, "text": "c"}\n')
    result = run("apply", path, "-m", small_model_path, "-f", "jsonl")
    assert_clean_failure(result, f"{path}:2: invalid JSON")
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 3]


@pytest.mark.parametrize(
    "record, reason",
    [
        ({"id": 2}, 'record has neither a "text" nor a "lines" field'),
        ({"text": 3}, '"text" must be a string'),
        ({"text": None}, '"text" must be a string'),
        ({"lines": "a string"}, '"lines" must be a list of strings'),
        ({"lines": ["a", 2]}, '"lines" must be a list of strings'),
        ([1, 2], "expected a JSON object, got list"),
        ("text", "expected a JSON object, got str"),
        (None, "expected a JSON object, got NoneType"),
    ],
)
def test_jsonl_record_with_missing_field_or_wrong_type(small_model_path, tmp_path, record, reason):
    text = "\n".join(json.dumps(r) for r in ({"text": "first"}, record, {"text": "third"})) + "\n"
    path = write(tmp_path, "docs.jsonl", text)
    result = run("apply", path, "-m", small_model_path, "-f", "jsonl")
    assert_clean_failure(result, f"{path}:2: {reason}")
    assert len(result.stdout.splitlines()) == 2


def test_truncated_gzip_among_several_inputs(small_model_path, tmp_path, good):
    broken = write(tmp_path, "docs.jsonl.gz", gzip.compress(b'{"text": "a"}\n' * 1000)[:-30])
    result = run("apply", broken, good, "-m", small_model_path, "-f", "tsv")
    assert_clean_failure(result, f"{broken}:")
    rows = tsv_rows(result.stdout)
    # The records before the damage are kept, the next file is cleaned whole.
    assert 0 < len(rows) - 2 < 1000
    assert [row.split("\t", 2)[2] for row in rows[-2:]] == split_lines(CONTENT)


# ------------------------------------------------------------------- labelled dumps


@pytest.mark.parametrize(
    "content, where, reason",
    [
        ("1\tok\nmaybe\tsome text\n", 2, "unknown label 'maybe'"),
        ("1\tok\nno tab on this line\n", 2, "no TAB"),
        ("2\tok\n", 1, "unknown label '2'"),
    ],
)
def test_labelled_tsv_with_unknown_label_or_missing_tab(small_model_path, tmp_path, content, where, reason):
    path = write(tmp_path, "page.tsv", content)
    result = run("evaluate", path, "-m", small_model_path)
    assert_clean_failure(result, f"{path}:{where}: {reason}")


@pytest.mark.parametrize(
    "record, reason",
    [
        ({"lines": ["a"]}, 'record has no "labels" field'),
        ({"lines": ["a"], "labels": ["1"]}, "label '1' is not 0 or 1"),
        ({"lines": ["a", "b"], "labels": [1]}, '"lines" has 2 items but "labels" has 1'),
    ],
)
def test_labelled_jsonl_with_missing_field_or_wrong_type(small_model_path, tmp_path, record, reason):
    path = write(tmp_path, "gold.jsonl", json.dumps({"lines": ["x"], "labels": [1]}) + "\n" + json.dumps(record))
    result = run("evaluate", path, "-m", small_model_path)
    assert_clean_failure(result, f"{path}:2: {reason}")


# -------------------------------------------------------------- files and directories


def test_directory_with_an_unreadable_file_and_a_broken_link(small_model_path, tmp_path, monkeypatch):
    folder = tmp_path / "dumps"
    folder.mkdir()
    write(folder, "a.txt", CONTENT)
    locked = write(folder, "b.txt", CONTENT)
    locked.chmod(0)
    broken = folder / "c.txt"
    broken.symlink_to(folder / "gone.txt")
    if os.geteuid() == 0:  # root reads a mode-0 file anyway: make it fail as it would for a user
        real_open = open

        def guarded_open(path, *args, **kwargs):
            if str(path) == str(locked):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr("boilerkit.io.open", guarded_open, raising=False)
    result = run("apply", folder, "-m", small_model_path, "-f", "tsv")
    assert_clean_failure(result, f"{locked}: permission denied", f"{broken}: broken symbolic link")
    assert len(tsv_rows(result.stdout)) == 2


def test_pipe_inside_a_directory_is_reported_not_read(small_model_path, tmp_path):
    folder = tmp_path / "dumps"
    folder.mkdir()
    write(folder, "a.txt", CONTENT)
    os.mkfifo(folder / "pipe")
    result = run("apply", folder, "-m", small_model_path, "-f", "tsv")
    assert_clean_failure(result, f"{folder / 'pipe'}: not a regular file")
    assert len(tsv_rows(result.stdout)) == 2


def test_missing_path_among_several_is_reported_and_the_others_cleaned(small_model_path, tmp_path, good):
    other = write(tmp_path, "other.txt", CONTENT)
    result = run("apply", good, tmp_path / "missing.txt", other, "-m", small_model_path, "-f", "tsv")
    assert_clean_failure(result, f"{tmp_path / 'missing.txt'}: no such file or directory")
    assert len(tsv_rows(result.stdout)) == 4


def test_strict_stops_at_the_first_bad_input_and_writes_nothing(small_model_path, tmp_path, good):
    binary = write(tmp_path, "blob.bin", bytes(1000))
    out = tmp_path / "out.txt"
    result = run("apply", good, binary, "-m", small_model_path, "-o", out, "--strict")
    assert_clean_failure(result, f"{binary}: binary file")
    assert not out.exists() and not list(tmp_path.glob(".out.txt.*"))


def test_missing_output_directory_is_one_line(small_model_path, tmp_path, good):
    result = run("apply", good, "-m", small_model_path, "-o", tmp_path / "no" / "out.txt")
    assert_clean_failure(result, "output directory does not exist")


@pytest.mark.parametrize("how", ["same-name", "symlink", "inside-a-directory-input"])
def test_output_never_overwrites_an_input(small_model_path, tmp_path, good, how):
    before = good.read_bytes()
    if how == "same-name":
        inputs, out = [good], good
    elif how == "symlink":
        out = tmp_path / "link.txt"
        out.symlink_to(good)
        inputs = [good]
    else:
        inputs, out = [tmp_path], good
    result = run("apply", *inputs, "-m", small_model_path, "-o", out)
    assert_clean_failure(result, "output file is also an input: refusing to overwrite it")
    assert good.read_bytes() == before


def test_inputs_are_never_modified(small_model_path, tmp_path, good):
    docs = write(tmp_path, "docs.jsonl", '{"text": "x"}\n{"bad": 1}\n')
    stats = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in (good, docs)}
    run("apply", good, docs, "-m", small_model_path, "-f", "jsonl", "-o", tmp_path / "out.jsonl")
    assert {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in stats} == stats


def test_reader_errors_are_one_line_input_errors(tmp_path):
    with pytest.raises(InputError) as caught:
        list(iter_documents([write(tmp_path, "x.bin", bytes(100))]))
    assert "\n" not in str(caught.value) and str(caught.value).startswith(str(tmp_path / "x.bin"))


# ------------------------------------------------------------------ interrupted runs


@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    # Many documents, so the signal lands mid-stream: apply has written its first batch and
    # is still labelling the next ones (one 300,000-line document is written in one go).
    path = tmp_path_factory.mktemp("big") / "big.jsonl"
    with open(path, "w", encoding="utf-8") as stream:
        for doc in range(3_000):
            lines = [f"Line {i} of a long dump, with a few words of text in it." if i % 3 else "Home" for i in range(100)]
            stream.write(json.dumps({"id": f"doc-{doc}", "lines": lines}) + "\n")
    return path


def _as_at_a_terminal() -> None:
    # A shell starts background jobs with SIGINT ignored, and Python keeps an ignored
    # SIGINT ignored (as it should: that is nohup's contract, SIGHUP's too); Ctrl-C and a
    # closing terminal are what these tests are about, so the child gets the default
    # dispositions whatever ran us.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _as_under_nohup() -> None:
    _as_at_a_terminal()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _start(arguments: list[str], out: Path, preexec_fn=_as_at_a_terminal) -> tuple[subprocess.Popen, Path]:
    process = subprocess.Popen(
        [sys.executable, "-m", "boilerkit.cli", *arguments, "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=preexec_fn,
    )
    part = out.with_name(f".{out.name}.{process.pid}.part")
    deadline = time.monotonic() + 120
    # Wait until it is writing (the temporary file has some bytes), then interrupt it.
    while not (part.exists() and part.stat().st_size > 0):
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, f"{arguments[0]} never started writing"
        time.sleep(0.02)
    return process, part


def _start_apply(model_path: Path, big: Path, out: Path) -> tuple[subprocess.Popen, Path]:
    return _start(["apply", str(big), "-m", str(model_path), "-f", "tsv"], out)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["kill", "term", "int", "hup"])
def test_interrupted_apply_leaves_no_output_that_looks_whole(small_model_path, big_input, tmp_path, sig):
    out = tmp_path / "out.tsv"
    process, part = _start_apply(small_model_path, big_input, out)
    process.send_signal(sig)
    code = process.wait(timeout=60)
    stderr = process.stderr.read().decode()
    assert code != 0
    assert not out.exists()
    if sig == signal.SIGKILL:  # no handler can run: only the hidden temporary file is left
        assert part.exists()
    else:
        assert not part.exists() and "Traceback" not in stderr
        assert code == 128 + sig  # 143 for SIGTERM, 129 for SIGHUP (our handler), 130 for Ctrl-C (Typer's)


@pytest.fixture(scope="module")
def big_pairs(tmp_path_factory) -> Path:
    # About 80 ms of labelling a page: the signal lands within the first few of 300.
    path = tmp_path_factory.mktemp("pairs") / "pairs.jsonl"
    lines = [f"Line {i} of a long dump, with a few words of text in it." if i % 3 else "Home" for i in range(100)]
    gold = "\n".join(line for line in lines if line != "Home")
    with open(path, "w", encoding="utf-8") as stream:
        for page in range(300):
            stream.write(json.dumps({"id": f"page-{page}", "lines": lines, "gold": gold}) + "\n")
    return path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["term", "hup"])
def test_interrupted_label_leaves_no_output_that_looks_whole(big_pairs, tmp_path, sig):
    out = tmp_path / "out.jsonl"
    process, part = _start(["label", str(big_pairs)], out)
    process.send_signal(sig)
    code = process.wait(timeout=60)
    assert code == 128 + sig and "Traceback" not in process.stderr.read().decode()
    assert not out.exists() and not part.exists()


def test_a_hangup_ignored_by_nohup_stays_ignored(big_pairs, tmp_path):
    out = tmp_path / "out.jsonl"
    process, part = _start(["label", str(big_pairs)], out, preexec_fn=_as_under_nohup)
    process.send_signal(signal.SIGHUP)
    time.sleep(1)
    assert process.poll() is None and part.exists()  # still labelling
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert not out.exists() and not part.exists()


# -------------------------------------------------------------------------- models


def test_skops_round_trip_gives_identical_probabilities(small_model, tmp_path):
    path = save_model(small_model, tmp_path / "model.skops")
    assert skops.io.get_untrusted_types(file=path)  # boilerkit's classes need the allow-list
    lines = CONTENT.splitlines() + ["", "Share this", "© 2024 Example Ltd."]
    np.testing.assert_array_equal(load_model(path).content_probability(lines), small_model.content_probability(lines))
    assert json.loads(card_path(path).read_text(encoding="utf-8"))["model_file"] == "model.skops"


def test_trusted_types_cover_a_trained_model(small_model, tmp_path):
    path = save_model(small_model, tmp_path / "model.skops")
    assert set(skops.io.get_untrusted_types(file=path)) <= set(TRUSTED_TYPES)


def test_skops_model_with_an_untrusted_type_is_refused(small_model, tmp_path):
    evil = BoilerplateModel([("run", FunctionTransformer(os.system)), *small_model.steps])
    path = tmp_path / "evil.skops"
    skops.io.dump(evil, path)  # no card beside it: nothing but the allow-list stands in the way
    with pytest.raises(ModelError, match=r"does not trust \(.*system.*\): refusing to load it"):
        load_model(path)


def test_skops_model_from_another_sklearn_release_is_refused(small_model, tmp_path):
    path = save_model(small_model, tmp_path / "model.skops")
    card = json.loads(card_path(path).read_text(encoding="utf-8"))
    card_path(path).write_text(json.dumps({**card, "sklearn_version": "0.99.0"}), encoding="utf-8")
    with pytest.raises(ModelError, match=r"saved with scikit-learn 0\.99\.0.*retrain"):
        load_model(path)


def test_skops_model_without_card_is_checked_by_the_card_inside(small_model, tmp_path):
    other = copy.copy(small_model)
    other.card_ = {**small_model.card_, "sklearn_version": "0.99.0"}
    path = save_model(other, tmp_path / "model.skops")
    card_path(path).unlink()
    with pytest.raises(ModelError, match=r"saved with scikit-learn 0\.99\.0"):
        load_model(path)


def test_damaged_skops_file_is_one_clear_error(tmp_path):
    path = write(tmp_path, "junk.skops", b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelError, match="not a loadable .skops model"):
        load_model(path)


def test_model_file_that_does_not_match_its_card_is_refused(small_model_path, tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(small_model_path.read_bytes() + b"\0")
    card_path(path).write_bytes(card_path(small_model_path).read_bytes())
    with pytest.raises(ModelError, match="damaged or was modified; get it again or retrain"):
        load_model(path)


@pytest.fixture
def fake_bundled(small_model_path, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "default.joblib"
    path.write_bytes(small_model_path.read_bytes())
    card_path(path).write_bytes(card_path(small_model_path).read_bytes())
    monkeypatch.setattr(model_module, "default_model_path", lambda: path)
    return path


def test_bundled_model_is_checked_against_its_card(fake_bundled):
    assert isinstance(load_model(), BoilerplateModel)
    with open(fake_bundled, "r+b") as stream:
        stream.seek(100)
        byte = stream.read(1)[0]
        stream.seek(100)
        stream.write(bytes([byte ^ 0xFF]))  # changed whatever it was (writing 0xff left a 0xff as it was)
    with pytest.raises(ModelError, match="damaged or was modified; reinstall boilerkit"):
        load_model()


def test_bundled_model_without_its_card_is_refused(fake_bundled):
    card_path(fake_bundled).unlink()
    with pytest.raises(ModelError, match="has no card .*reinstall boilerkit"):
        load_model()


def test_joblib_load_still_refuses_other_objects(tmp_path):
    path = tmp_path / "dict.joblib"
    joblib.dump({"a": 1}, path)
    with pytest.raises(ModelError, match="holds a dict"):
        load_model(path)


def test_model_card_that_is_not_an_object_is_one_clear_error(small_model_path, tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(small_model_path.read_bytes())
    card_path(path).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ModelError, match="unreadable model card: not a JSON object"):
        load_model(path)


def test_failed_model_save_leaves_nothing_behind(small_model, tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(model_module.joblib, "dump", disk_full)
    with pytest.raises(OSError):
        save_model(small_model, tmp_path / "model.joblib")
    assert list(tmp_path.iterdir()) == []


def test_binary_file_named_jsonl_is_one_error_not_one_per_line(small_model_path, tmp_path, good):
    binary = write(tmp_path, "archive.jsonl", (bytes(range(256)) + b"\n") * 200)
    result = run("apply", binary, good, "-m", small_model_path, "-f", "tsv")
    assert_clean_failure(result, f"{binary}:1: binary file")
    assert len(tsv_rows(result.stdout)) == 2
