"""Correcting the model by hand: apply --format tsv, fix labels, train --base, apply again."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from boilerkit.cli import app
from boilerkit.io import parse_labelled_tsv, split_lines

from .conftest import DATA, EXAMPLES

runner = CliRunner()
NEWS = EXAMPLES / "news-dump.txt"
HAND_LABELLED = EXAMPLES / "news-dump.labelled.tsv"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def scored_rows(text: str) -> list[tuple[int, float, str]]:
    return [(int(label), float(p), line) for label, p, line in (row.split("\t", 2) for row in split_lines(text))]


@pytest.fixture(scope="module")
def applied(small_model_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("apply") / "news.tsv"
    result = run("apply", NEWS, "-m", small_model_path, "-f", "tsv", "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_apply_tsv_output_is_a_labelled_dump_for_train_and_evaluate(applied, small_model_path, tmp_path):
    document = parse_labelled_tsv(applied.read_text(encoding="utf-8"), applied)
    assert document["lines"] == split_lines(NEWS.read_text(encoding="utf-8"))
    evaluated = run("evaluate", applied, "-m", small_model_path, "--json")
    assert evaluated.exit_code == 0, evaluated.output
    trained = run("train", applied, "-o", tmp_path / "m.joblib", "--max-iter", "5")
    assert trained.exit_code == 0, trained.output


def test_review_list_puts_the_least_certain_lines_first_with_their_line_numbers(applied, small_model_path):
    result = run("apply", NEWS, "-m", small_model_path, "-f", "tsv", "--sort", "uncertain")
    assert result.exit_code == 0, result.output
    rows = [row.split("\t", 3) for row in split_lines(result.stdout)]
    plain = split_lines(applied.read_text(encoding="utf-8"))
    assert sorted(int(number) for number, *_ in rows) == list(range(1, len(plain) + 1))
    for number, label, probability, line in rows:  # the number is the row of the plain tsv
        assert plain[int(number) - 1] == f"{label}\t{probability}\t{line}"
    distance = [abs(float(probability) - 0.5) for _, _, probability, _ in rows]
    assert distance == sorted(distance)


def test_review_list_needs_the_tsv_format(small_model_path):
    result = run("apply", NEWS, "-m", small_model_path, "--sort", "uncertain")
    assert result.exit_code != 0 and "--format tsv" in result.output


def test_training_on_a_review_list_says_what_to_train_on(small_model_path, tmp_path):
    review = tmp_path / "review.tsv"
    assert run("apply", NEWS, "-m", small_model_path, "-f", "tsv", "--sort", "uncertain", "-o", review).exit_code == 0
    result = run("train", review, "-o", tmp_path / "m.joblib")
    assert result.exit_code != 0 and "train on the `--format tsv` file" in result.output


def test_corrected_lines_get_the_corrected_labels_after_train_base(applied, small_model_path, tmp_path):
    """The loop of the README.  The user's corrections: on this site the headline is not
    wanted, the list of headlines (lines ending in " -") is.  One page among the 38 of the
    base data: a high weight makes sure that its corrections are learnt."""
    rows = scored_rows(applied.read_text(encoding="utf-8"))
    corrected = [0 if i == 0 else 1 if line.endswith(" -") else label for i, (label, _, line) in enumerate(rows)]
    changed = [i for i, ((label, _, _), right) in enumerate(zip(rows, corrected)) if label != right]
    # a real correction: at least half of the headline list was labelled clutter
    headlines = [i for i, (_, _, line) in enumerate(rows) if line.endswith(" -")]
    assert len(set(changed) & set(headlines)) >= len(headlines) / 2
    fixed = tmp_path / "news.corrected.tsv"
    fixed.write_text("".join(f"{y}\t{p:.4f}\t{line}\n" for (_, p, line), y in zip(rows, corrected)), encoding="utf-8")

    adapted = tmp_path / "adapted.joblib"
    result = run("train", fixed, "--base", small_model_path, "--data-dir", DATA, "--weight", "100", "-o", adapted)
    assert result.exit_code == 0, result.output
    again = scored_rows(run("apply", NEWS, "-m", adapted, "-f", "tsv").stdout)
    assert [again[i][0] for i in changed] == [corrected[i] for i in changed]


def test_train_base_needs_the_data_dir(small_model_path, tmp_path):
    result = run("train", HAND_LABELLED, "--base", small_model_path, "-o", tmp_path / "m.joblib")
    assert result.exit_code != 0 and "--data-dir" in result.output


def test_train_base_names_a_missing_training_file(small_model_path, tmp_path):
    result = run("train", HAND_LABELLED, "--base", small_model_path, "--data-dir", tmp_path, "-o", tmp_path / "m.joblib")
    assert result.exit_code != 0
    assert result.output.strip() == (f"boilerkit: error: {tmp_path / 'sample.jsonl.gz'}: the base model was "
                                     f"trained on sample.jsonl.gz, which is not in {tmp_path}")


def test_adapted_model_card_names_its_base_and_its_data(small_model_path, tmp_path):
    import json

    adapted = tmp_path / "adapted.joblib"
    result = run("train", HAND_LABELLED, "--base", small_model_path, "--data-dir", DATA, "--weight", "3", "-o", adapted)
    assert result.exit_code == 0, result.output
    card = json.loads(adapted.with_suffix(".json").read_text(encoding="utf-8"))
    assert card["base_model"]["path"] == small_model_path.name
    assert [(d["path"], d.get("weight")) for d in card["training_data"]] == [
        ("sample.jsonl.gz", None), ("news-dump.labelled.tsv", 3.0)]
