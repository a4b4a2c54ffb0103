"""Looking at decisions: inspect's line decisions and the HTML evaluation report."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from typer.testing import CliRunner

from boilerkit.cli import app
from boilerkit.report import build_report, curve_svg, line_decisions, render_html, shown_lines, write_report

from .conftest import EXAMPLES, SAMPLE

NEWS = EXAMPLES / "news-dump.txt"
runner = CliRunner()


@pytest.fixture(scope="module")
def report(small_model):
    return build_report([SAMPLE], small_model, importance_lines=400, worst_pages=3)


def test_line_decisions_in_document_order(small_model):
    (document,) = line_decisions([NEWS], small_model)
    assert [d.number for d in document.lines] == list(range(1, len(document.lines) + 1))
    labels, scores = small_model.label_lines([d.line for d in document.lines])
    assert [d.label for d in document.lines] == labels.tolist()
    np.testing.assert_allclose([d.score for d in document.lines], scores)


def test_line_decisions_least_certain_first(small_model):
    (document,) = line_decisions([NEWS], small_model, threshold=0.4, sort="uncertain")
    distances = [abs(d.score - 0.4) for d in document.lines]
    assert distances == sorted(distances)
    assert sorted(d.number for d in document.lines) == list(range(1, len(document.lines) + 1))


def test_inspect_shows_every_line_with_its_probability(small_model_path):
    result = runner.invoke(app, ["inspect", str(NEWS), "--model", str(small_model_path), "--sort", "uncertain",
                                 "--limit", "5"])
    assert result.exit_code == 0, result.output
    rows = [row for row in result.output.splitlines() if row[:5].strip().isdigit()]
    assert len(rows) == 5
    assert all(0 <= float(row.split()[1]) <= 1 for row in rows)
    assert "lines content" in result.output


def test_inspect_shows_control_characters_instead_of_sending_them_to_the_terminal(tmp_path):
    dump = tmp_path / "page.txt"
    dump.write_text("A line of text.\n\x1b[2JClear screen \x1b[31mred\n\x1b]0;title\x07\tand \x9b2J\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["inspect", str(dump)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\x9b" not in result.output
    assert "\u241b[2JClear screen \u241b[31mred" in result.output
    assert "\u241b]0;title\u2407" in result.output and "and \\x9b2J" in result.output


def test_report_scores_match_evaluate(report, small_model):
    from boilerkit.evaluate import evaluate

    assert report.evaluation.overall == evaluate([SAMPLE], small_model).overall


def test_report_worst_pages_come_worst_first(report):
    f1 = [page.char_f1 for page in report.worst]
    assert len(f1) == 3 and f1 == sorted(f1)
    assert all(page.n_wrong for page in report.worst)


def test_report_importances_cover_the_features_but_position(report, small_model):
    names = {name for name, _, _ in report.importances}
    assert "position" not in names and "n_chars" in names
    assert len(names) == len(small_model[:-1].get_feature_names_out()) - 1
    assert report.importance_lines >= 400


def test_report_html_has_every_section_and_marks_wrong_lines(report, tmp_path):
    path = write_report(report, tmp_path / "out")
    text = path.read_text(encoding="utf-8")
    for section in ("Scores", "Precision and recall", "Features that matter most", "Worst pages"):
        assert f"<h2>{section}</h2>" in text
    assert 'class="ln fp"' in text or 'class="ln fn"' in text
    assert report.importances[0][0] in text


def test_curve_svg_is_well_formed_xml(report):
    root = ET.fromstring(curve_svg(report.curves))
    assert root.tag.endswith("svg")
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 2


def test_html_escapes_page_text(report):
    page = report.worst[0]
    page.lines = ["<script>alert(1)</script>"] + page.lines[1:]
    page.gold[0], page.labels[0] = 1, 0
    assert "<script>alert" not in render_html(report)


@pytest.mark.parametrize(
    "wrong, expected",
    [([0, 0, 0, 0, 1, 0, 0, 0, 0], [0, 1, 1, 1, 1, 1, 1, 1, 0]), ([1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0])],
)
def test_shown_lines_are_wrong_lines_and_their_context(wrong, expected):
    assert shown_lines(np.array(wrong, dtype=bool), context=3).astype(int).tolist() == expected


def test_evaluate_report_option_writes_the_report(small_model_path, tmp_path):
    result = runner.invoke(app, ["evaluate", str(EXAMPLES / "labelled.jsonl"), "--model", str(small_model_path),
                                 "--report", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "char F1" in result.output
    assert (tmp_path / "report" / "index.html").is_file()
