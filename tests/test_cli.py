"""The three commands, in-process with Typer's CliRunner."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from boilerkit.cli import app
from boilerkit.io import split_lines
from boilerkit.model import files_saved

from .conftest import DATA, EXAMPLES, ROOT, SAMPLE, read_in_background

runner = CliRunner()
NEWS = EXAMPLES / "news-dump.txt"


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_train_saves_model_and_card_and_prints_cv(tmp_path):
    out = tmp_path / "m.joblib"
    result = run("train", SAMPLE, "-o", out, "--cv", "2", "--max-iter", "10")
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.with_suffix(".json").is_file()
    assert "grouped 2-fold cross-validation" in result.output
    card = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert card["cross_validation"]["folds"] == 2
    assert 0 < card["cross_validation"]["overall"]["chars"]["f1"] <= 1
    assert card["gold_conventions"] is False


def test_train_with_a_glob_and_a_tsv(tmp_path):
    out = tmp_path / "m.joblib"
    result = run("train", str(EXAMPLES / "*.tsv"), SAMPLE, "-o", out, "--max-iter", "5", "--gold-conventions")
    assert result.exit_code == 0, result.output
    card = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert card["gold_conventions"] == ["comments", "headline"]
    assert [d["path"] for d in card["training_data"]] == ["news-dump.labelled.tsv", "sample.jsonl.gz"]


def test_train_tells_the_conventions_named(tmp_path):
    out = tmp_path / "m.joblib"
    result = run("train", SAMPLE, "-o", out, "--max-iter", "5", "--gold-convention", "comments")
    assert result.exit_code == 0, result.output
    assert json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))["gold_conventions"] == ["comments"]
    result = run("train", SAMPLE, "-o", tmp_path / "n.joblib", "--max-iter", "5", "--gold-convention", "menus")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "boilerkit: error: unknown convention(s) menus: known are comments, headline"]


def test_train_rejects_bad_data_with_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"lines": ["a"], "labels": [1]}\n{"lines": ["a"], "labels": [7]}\n', encoding="utf-8")
    result = run("train", bad, "-o", tmp_path / "m.joblib")
    assert result.exit_code != 0
    assert result.output.strip() == f"boilerkit: error: {bad}:2: label 7 is not 0 or 1"
    assert not (tmp_path / "m.joblib").exists()


@pytest.mark.parametrize("label, kind", [("0", "clutter"), ("content", "content")])
def test_train_on_one_label_only_is_one_line_naming_the_data_before_fitting(tmp_path, label, kind):
    data = tmp_path / "data.tsv"
    data.write_text("".join(f"{label}\tLine {i} of the page\n" for i in range(20)), encoding="utf-8")
    result = run("train", data, "-o", tmp_path / "m.joblib", "--max-iter", "5")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(f"boilerkit: error: {data}: every labelled line is {kind}")
    assert not (tmp_path / "m.joblib").exists()


@pytest.mark.parametrize("content", ["", '{"lines": [], "labels": []}\n'], ids=["empty TSV", "record without lines"])
def test_train_on_no_labelled_lines_is_one_line_naming_the_data_before_fitting(tmp_path, content):
    data = tmp_path / ("data.tsv" if not content else "data.jsonl")
    data.write_text(content, encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "empty.tsv").write_text("", encoding="utf-8")
    result = run("train", data, tmp_path / "folder", "-o", tmp_path / "m.joblib")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"boilerkit: error: {data}, {tmp_path / 'folder'}: no labelled lines found"
    assert "training data:" not in result.output and "Warning" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([data.name, "folder"])


def test_train_refuses_an_output_folder_that_does_not_exist_before_reading_data(tmp_path):
    out = tmp_path / "no-such-folder" / "m.joblib"
    result = run("train", tmp_path / "no-such-data.jsonl", "-o", out)
    assert result.exit_code != 0
    assert result.output.strip() == f"boilerkit: error: {out}: cannot write the model: no folder {out.parent}"


def test_train_through_a_symlink_saves_the_model_to_its_target_and_keeps_the_link(tmp_path):
    target, link = tmp_path / "v1.joblib", tmp_path / "current.joblib"
    target.write_bytes(b"an older model")
    link.symlink_to(target.name)
    result = run("train", EXAMPLES / "news-dump.labelled.tsv", "-o", link, "--max-iter", "5")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == target.name
    assert target.read_bytes() != b"an older model"
    assert run("apply", NEWS, "-m", link).exit_code == 0  # its card (current.json) checks it through the link


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_train_refuses_an_output_that_is_not_a_file_before_training(tmp_path, kind):
    out = tmp_path / "out"
    if kind == "directory":
        out.mkdir()
    else:
        os.mkfifo(out)
    result = run("train", EXAMPLES / "news-dump.labelled.tsv", "-o", out, "--max-iter", "5")
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()  # nothing trained: the data was not even read
    assert line.startswith(f"boilerkit: error: {out}: cannot write the model: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and (kind == "fifo" or not any(out.iterdir()))


@pytest.mark.parametrize("data_name, output_name", [("data.tsv", "data.tsv"), ("data.json", "data.joblib"),
                                                     ("data.compiled.npz", "data.joblib")],
                         ids=["the model", "its card", "its compiled form"])
def test_train_refuses_to_save_over_its_data(tmp_path, data_name, output_name):
    data = tmp_path / data_name
    data.write_bytes((EXAMPLES / "news-dump.labelled.tsv").read_bytes())
    before = data.read_bytes()
    result = run("train", tmp_path, "-o", tmp_path / output_name, "--max-iter", "5")
    assert result.exit_code == 1
    assert result.output.strip() == f"boilerkit: error: {data}: output file is also an input: refusing to overwrite it"
    assert data.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == [data_name]


def test_train_on_a_base_refuses_to_save_over_the_base_model(small_model_path, tmp_path):
    base = tmp_path / "base.joblib"
    for source, copy in zip(files_saved(small_model_path), files_saved(base)):
        copy.write_bytes(source.read_bytes())
    before = base.read_bytes()
    result = run("train", EXAMPLES / "news-dump.labelled.tsv", "-o", base, "--base", base, "--data-dir", DATA)
    assert result.exit_code == 1
    assert result.output.strip() == f"boilerkit: error: {base}: output file is also an input: refusing to overwrite it"
    assert base.read_bytes() == before


def test_evaluate_prints_scores_and_groups(small_model_path):
    result = run("evaluate", SAMPLE, "--model", small_model_path)
    assert result.exit_code == 0, result.output
    assert "char F1" in result.output and "dataset=wcxb" in result.output and "page_type=forum" in result.output
    assert "TP" in result.output and "threshold" in result.output


def test_evaluate_json(small_model_path):
    result = run("evaluate", SAMPLE, "--model", small_model_path, "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    overall = scores["overall"]
    assert set(overall) == {"pages", "lines", "chars", "page_f1_mean"}
    assert overall["lines"]["tp"] + overall["lines"]["fn"] > 0
    assert "scrapinghub" in scores["dataset"] and "article" in scores["page_type"]
    assert len(scores["threshold_curve"]) >= 5


@pytest.mark.parametrize("given", ["the file", "its directory"])
def test_evaluate_refuses_a_report_that_would_replace_an_input(small_model_path, tmp_path, given):
    index = tmp_path / "index.html"
    index.write_bytes((EXAMPLES / "news-dump.labelled.tsv").read_bytes())
    before = index.read_bytes()
    data = index if given == "the file" else tmp_path
    result = run("evaluate", data, "-m", small_model_path, "--report", tmp_path)
    assert result.exit_code == 1
    assert result.output.strip() == f"boilerkit: error: {index}: output file is also an input: refusing to overwrite it"
    assert index.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["index.html"]


@pytest.mark.parametrize("where, reason", [("data.tsv", "not a directory: the report is written into one, as index.html"),
                                           ("data.tsv/report", "cannot make the report directory: {data} is not a directory")])
def test_evaluate_report_where_no_directory_can_be_is_one_line(small_model_path, tmp_path, where, reason):
    data = tmp_path / "data.tsv"
    data.write_bytes((EXAMPLES / "news-dump.labelled.tsv").read_bytes())
    before = data.read_bytes()
    result = run("evaluate", data, "-m", small_model_path, "--report", tmp_path / where)
    assert result.exit_code == 1
    assert result.output.strip() == f"boilerkit: error: {tmp_path / where}: {reason.format(data=data)}"
    assert data.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["data.tsv"]


def test_evaluate_writes_the_report_through_a_symlinked_index(small_model_path, tmp_path):
    target, report = tmp_path / "kept.html", tmp_path / "report"
    report.mkdir()
    (report / "index.html").symlink_to(target)
    result = run("evaluate", EXAMPLES / "news-dump.labelled.tsv", "-m", small_model_path, "--report", report)
    assert result.exit_code == 0, result.output
    assert (report / "index.html").is_symlink() and "<h2>Scores</h2>" in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["index.html", "kept.html", "report"]


EMPTY_RECORD = '{"lines": [], "labels": []}\n'


@pytest.mark.parametrize("name, content", [("empty.tsv", ""), ("blank.jsonl", "\n  \n\n"), ("empty.jsonl", EMPTY_RECORD),
                                           ("folder", None)])
def test_evaluate_on_no_labelled_lines_is_one_line_naming_the_input(small_model_path, tmp_path, name, content):
    data = tmp_path / name
    if content is None:  # a folder whose one file is empty (a folder without a file: its own error)
        data.mkdir()
        (data / "empty.tsv").write_text("", encoding="utf-8")
    else:
        data.write_text(content, encoding="utf-8")
    result = run("evaluate", data, "-m", small_model_path)
    assert result.exit_code == 1
    assert result.output.strip() == f"boilerkit: error: {data}: no labelled lines found"


def test_evaluate_on_an_empty_stdin_is_one_line(small_model_path):
    result = run("evaluate", "-", "-m", small_model_path, input="")
    assert result.exit_code == 1
    assert result.output.strip() == "boilerkit: error: <stdin>: no labelled lines found"


def test_evaluate_counts_a_page_without_lines_among_others(small_model_path, tmp_path):
    data = tmp_path / "pages.jsonl"
    data.write_text(EMPTY_RECORD + json.dumps({"lines": ["A sentence of text.", "Home"], "labels": [1, 0]}) + "\n",
                    encoding="utf-8")
    result = run("evaluate", data, "-m", small_model_path, "--json")
    assert result.exit_code == 0, result.output
    overall = json.loads(result.output)["overall"]
    assert overall["pages"] == 2 and overall["lines"]["tp"] + overall["lines"]["fn"] == 1


def test_apply_text_prints_content_lines_in_order(small_model_path):
    result = run("apply", NEWS, "--model", small_model_path, "--threshold", "0")
    assert result.exit_code == 0, result.output
    assert split_lines(result.stdout) == split_lines(NEWS.read_text(encoding="utf-8"))


def test_apply_tsv_has_one_row_per_line(small_model_path):
    result = run("apply", NEWS, "--model", small_model_path, "--format", "tsv")
    lines = split_lines(NEWS.read_text(encoding="utf-8"))
    rows = split_lines(result.stdout)
    assert len(rows) == len(lines)
    for row, line in zip(rows, lines):
        label, probability, text = row.split("\t", 2)
        assert label in {"0", "1"} and 0 <= float(probability) <= 1 and text == line


def test_apply_jsonl_keeps_fields_and_adds_labels(small_model_path):
    result = run("apply", EXAMPLES / "documents.jsonl", "-m", small_model_path, "-f", "jsonl")
    assert result.exit_code == 0, result.output
    first, second = map(json.loads, split_lines(result.stdout))
    assert first["id"] == "news" and first["url"].startswith("https://")
    assert len(first["labels"]) == len(first["scores"]) == len(split_lines(first["text"]))
    assert first["content"] == "\n".join(
        line for line, label in zip(split_lines(first["text"]), first["labels"]) if label
    )
    assert second["id"] == "recipe" and "content" not in second and len(second["labels"]) == len(second["lines"])


def test_apply_reads_stdin(small_model_path):
    text = NEWS.read_text(encoding="utf-8")
    piped = run("apply", "-", "-m", small_model_path, input=text)
    direct = run("apply", NEWS, "-m", small_model_path)
    assert piped.exit_code == 0 and piped.stdout == direct.stdout


def test_apply_with_stdin_given_twice_cleans_it_once_and_says_so():
    result = run("apply", "-", "-", "--format", "jsonl", input=NEWS.read_text(encoding="utf-8"))
    assert result.exit_code == 1
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == ["<stdin>"]
    assert result.stderr.strip() == "boilerkit: error: -: standard input given twice: it can be read only once"


def test_apply_with_a_text_file_as_the_model_says_it_is_no_model_file(tmp_path):
    result = run("apply", NEWS, "-m", NEWS)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"boilerkit: error: {NEWS}: not a model file: a text file "
        "(a model is the .joblib or .skops file `boilerkit train` saves)"]


def test_apply_writes_output_file(small_model_path, tmp_path):
    out = tmp_path / "out.tsv"
    result = run("apply", NEWS, "-m", small_model_path, "-f", "tsv", "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    assert len(split_lines(out.read_text(encoding="utf-8"))) == len(split_lines(NEWS.read_text(encoding="utf-8")))


def test_apply_refuses_to_overwrite_its_input(small_model_path, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Some text.\n", encoding="utf-8")
    result = run("apply", page, "-m", small_model_path, "-o", page)
    assert result.exit_code != 0 and "refusing to overwrite" in result.output
    assert page.read_text(encoding="utf-8") == "Some text.\n"


def test_apply_strict_bad_jsonl_leaves_no_output(small_model_path, tmp_path):
    bad = tmp_path / "docs.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("apply", bad, "-m", small_model_path, "-f", "jsonl", "-o", out, "--strict")
    assert result.exit_code != 0
    assert result.output.startswith(f"boilerkit: error: {bad}:2: invalid JSON")
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl"]


def test_apply_writes_into_a_fifo_and_leaves_it_a_fifo(small_model_path, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    thread, received = read_in_background(fifo)
    result = run("apply", NEWS, "-m", small_model_path, "-f", "tsv", "-o", fifo)
    thread.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert received == [run("apply", NEWS, "-m", small_model_path, "-f", "tsv").stdout.encode("utf-8")]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


def test_apply_into_a_full_device_fails_with_one_line_and_keeps_the_device(small_model_path, tmp_path):
    full = tmp_path / "full"
    try:
        os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # what /dev/full is on Linux
    except (PermissionError, AttributeError):
        pytest.skip("making a device node needs root on Linux")
    result = run("apply", NEWS, "-m", small_model_path, "-o", full)
    assert result.exit_code == 1
    assert result.output.strip() == f"boilerkit: error: {full}: cannot write: No space left on device"
    assert stat.S_ISCHR(os.lstat(full).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_label_into_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    target, link = tmp_path / "target.tsv", tmp_path / "link.tsv"
    target.write_text("old\n", encoding="utf-8")
    link.symlink_to(target)
    result = run("label", NEWS, "-g", EXAMPLES / "news-page.gold.txt", "-o", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == run("label", NEWS, "-g", EXAMPLES / "news-page.gold.txt").stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.tsv", "target.tsv"]


@pytest.mark.parametrize("command", ["apply", "label"])
def test_output_that_is_a_directory_is_one_line_and_nothing_is_written(small_model_path, tmp_path, command):
    folder = tmp_path / "folder"
    folder.mkdir()
    options = ["-m", small_model_path] if command == "apply" else ["-g", EXAMPLES / "news-page.gold.txt"]
    result = run(command, NEWS, *options, "-o", folder)
    assert result.exit_code == 1
    assert result.output.strip() == f"boilerkit: error: {folder}: output is a directory, not a file"
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_apply_skips_a_record_whose_line_holds_a_line_break_and_strict_stops_at_it(small_model_path, tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps(record) + "\n" for record in
                            ({"lines": ["First page."]}, {"lines": ["Second page."]}, {"lines": ["w\nq", "x"]})),
                    encoding="utf-8")
    message = f"boilerkit: error: {docs}:3: lines[0] holds a line break"
    result = run("apply", docs, "-m", small_model_path, "-f", "tsv", "--threshold", "0")
    assert result.exit_code == 1
    assert [row.split("\t")[2] for row in split_lines(result.stdout)] == ["First page.", "Second page."]
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1
    out = tmp_path / "out.tsv"
    result = run("apply", docs, "-m", small_model_path, "-f", "tsv", "-o", out, "--strict")
    assert result.exit_code == 1 and result.output.startswith(message) and not out.exists()


@pytest.mark.parametrize("args", [["apply", "missing.txt"], ["evaluate", "missing.jsonl"]])
def test_missing_input_is_one_line(small_model_path, args):
    result = run(*args, "-m", small_model_path)
    assert result.exit_code != 0
    assert result.output.strip() == f"boilerkit: error: {args[1]}: no such file or directory"


@pytest.mark.parametrize("command", ["apply", "evaluate"])
def test_a_directory_without_a_file_is_one_line_not_a_run_that_read_nothing(small_model_path, tmp_path, command):
    empty = tmp_path / "dumps"
    (empty / "nested").mkdir(parents=True)
    (empty / ".hidden").write_text("not a dump\n", encoding="utf-8")
    result = run(command, empty, "-m", small_model_path)
    assert result.exit_code != 0
    assert result.output.strip() == f"boilerkit: error: {empty}: no file to read in this directory"


def test_unusable_model_is_one_line(tmp_path):
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"junk")
    result = run("apply", NEWS, "-m", junk)
    assert result.exit_code != 0 and len(result.output.strip().splitlines()) == 1


def test_bundled_model_keeps_the_article_and_drops_the_headlines():
    result = run("apply", NEWS)
    assert result.exit_code == 0, result.output
    kept = split_lines(result.stdout)
    lines = split_lines(NEWS.read_text(encoding="utf-8"))
    article = [line for line in lines[1:9] if len(line.split()) > 3]
    headlines = [line for line in lines if line.endswith(" -")]
    assert all(line in kept for line in article)
    assert not any(line in kept for line in headlines)


# What `boilerkit --help` must not load: each takes from 0.2 to 2 s to import (rich: its
# markdown and syntax modules, for typer's rich help).
HEAVY_MODULES = ("sklearn", "numba", "scipy", "skops", "joblib", "boilerkit.model", "rich")

LOADED_BY = """
import sys
from typer.testing import CliRunner
import boilerkit.cli
for arguments in {arguments!r}:
    result = CliRunner().invoke(boilerkit.cli.app, arguments)
    assert result.exit_code == 0, result.output
print(" ".join(name for name in {heavy!r} if name in sys.modules))
"""


@pytest.mark.parametrize("arguments", [[], [["--version"]], [["--help"]], [["apply", "--help"]], [["train", "--help"]]],
                         ids=["import", "--version", "--help", "apply --help", "train --help"])
def test_the_command_line_starts_without_the_heavy_libraries(arguments):
    """A fresh interpreter, so that what the other tests imported does not count."""
    code = LOADED_BY.format(arguments=arguments, heavy=HEAVY_MODULES)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
