"""`boilerkit label`: labelled dumps from dumps and their clean text."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from boilerkit.align import align_labels
from boilerkit.cli import app
from boilerkit.io import parse_labelled_tsv, read_labelled, split_lines
from boilerkit.label import label

runner = CliRunner()

ARTICLE = [
    "The council voted on Tuesday to close the old bridge for repairs next spring.",
    "Work is expected to take four months and will cost about two million pounds.",
    "Residents said they were worried about longer journeys to the town centre.",
]
MENU = ["Home", "News | Sport | Weather", "Share this article", "Most read: Bridge to close for repairs next spring"]
# Made-up pairs in the layout of the shipped data: a dump with navigation around the article
# (one with the headline repeated in a "most read" box), one given as "text", and a wrong pair.
PAIRS = [
    {"id": "a", "dataset": "made-up", "lines": MENU[:2] + ["Bridge to close for repairs next spring"] + ARTICLE + MENU[2:],
     "gold": "Bridge to close for repairs next spring\n" + "\n".join(ARTICLE)},
    {"id": "b", "url": "https://example.org/b", "text": "\n".join(["Menu", *ARTICLE[:2], "Footer (c) 2024"]),
     "gold": " ".join(ARTICLE[:2])},
    {"id": "c", "lines": MENU, "gold": "A completely different page about cooking pasta with fresh tomatoes and basil."},
]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def pairs_file(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in PAIRS), encoding="utf-8")
    return path


def test_labels_are_those_of_align_labels(pairs_file, tmp_path):
    """The labels of the label_agreement benchmark: align_labels(lines, gold) per record."""
    out = tmp_path / "labelled.jsonl"
    label(pairs_file, output=out)
    records = [json.loads(line) for line in split_lines(out.read_text(encoding="utf-8"))]
    assert [r["id"] for r in records] == ["a", "b", "c"]
    for record, pair in zip(records, PAIRS):
        lines = pair.get("lines") or split_lines(pair["text"])
        assert record["labels"] == align_labels(lines, pair["gold"]).labels.tolist()
    assert records[0]["labels"] == [0, 0, 1, 1, 1, 1, 0, 0]


def test_output_keeps_fields_adds_lines_and_coverage_and_trains(pairs_file, tmp_path):
    out = tmp_path / "labelled.jsonl"
    label(pairs_file, output=out)
    records = read_labelled([out])
    assert records[1]["url"] == "https://example.org/b" and records[1]["text"] == PAIRS[1]["text"]
    assert records[1]["lines"] == split_lines(PAIRS[1]["text"])
    assert records[0]["gold"] == PAIRS[0]["gold"]
    assert records[0]["gold_coverage"] == 1.0 and records[2]["gold_coverage"] < 0.5


def test_cli_warns_about_a_wrong_pair_naming_file_and_record(pairs_file, tmp_path):
    result = run("label", pairs_file, "-o", tmp_path / "out.jsonl")
    assert result.exit_code == 0, result.output
    warnings = [line for line in split_lines(result.stderr) if "gold text is in the dump" in line]
    assert len(warnings) == 1 and warnings[0].startswith(f"boilerkit: {pairs_file}:3 (c): only ")
    assert "labelled 3 page(s)" in result.stderr and "1 page(s) below 0.5" in result.stderr


def test_cli_labels_one_dump_with_its_gold_as_tsv(tmp_path):
    dump, gold = tmp_path / "page.txt", tmp_path / "page.gold.txt"
    dump.write_text("\n".join(PAIRS[0]["lines"]) + "\n", encoding="utf-8")
    gold.write_text(PAIRS[0]["gold"], encoding="utf-8")
    result = run("label", dump, "--gold", gold)
    assert result.exit_code == 0, result.output
    parsed = parse_labelled_tsv(result.stdout, "out.tsv")
    assert parsed["lines"] == PAIRS[0]["lines"]
    assert parsed["labels"] == [0, 0, 1, 1, 1, 1, 0, 0]


@pytest.mark.parametrize(
    "record, message",
    [
        ({"lines": ["a"]}, 'record has no "gold" field (the clean text of the page)'),
        ({"lines": ["a"], "gold": ["a"]}, '"gold" must be a string'),
        ({"gold": "a"}, 'record has neither a "text" nor a "lines" field'),
        ({"lines": "a", "gold": "a"}, '"lines" must be a list of strings'),
    ],
)
def test_bad_record_is_one_line_and_leaves_no_output(tmp_path, record, message):
    bad = tmp_path / "pairs.jsonl"
    bad.write_text(json.dumps(PAIRS[0]) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("label", bad, "-o", out)
    assert result.exit_code != 0
    assert result.output.strip() == f"boilerkit: error: {bad}:2: {message}"
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["pairs.jsonl"]


def test_text_dump_without_gold_is_refused(tmp_path):
    dump = tmp_path / "page.txt"
    dump.write_text("Home\n", encoding="utf-8")
    result = run("label", dump)
    assert result.exit_code != 0 and "--gold" in result.output and len(result.output.strip().splitlines()) == 1


def test_pairs_file_with_gold_option_is_refused(pairs_file, tmp_path):
    result = run("label", pairs_file, "--gold", pairs_file)
    assert result.exit_code != 0 and "drop --gold" in result.output


def test_gzipped_output_is_refused_not_written_as_plain_text(pairs_file, tmp_path):
    result = run("label", pairs_file, "-o", tmp_path / "out.jsonl.gz")
    assert result.exit_code != 0 and "gzipped output is not supported" in result.output
    assert not (tmp_path / "out.jsonl.gz").exists()
