"""benchmarks/compare_quality.py: boilerkit's figures read from quality reports, and compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import compare_quality

ROOT = Path(__file__).resolve().parent.parent


def report(shared: float, lynx: float, cleaneval: float, german: float) -> str:
    """A quality report as benchmarks/quality.py writes one, cut to a few figures."""
    return f"""# Quality benchmark

### lines.jsonl.gz: all pages (3)

| system | char P | char R | char F1 | line F1 | page F1 |
| --- | ---: | ---: | ---: | ---: | ---: |
| readability | 0.9 | 0.9 | 0.9000 | 0.8000 | 0.8000 |
| boilerkit | 0.9 | 0.9 | {shared:.4f} | 0.8100 | 0.8000 |

#### lines.jsonl.gz: dataset = cleaneval (2 pages)

| system | char P | char R | char F1 | line F1 | page F1 |
| --- | ---: | ---: | ---: | ---: | ---: |
| boilerkit | 0.9 | 0.9 | {cleaneval:.4f} | 0.8200 | 0.8000 |

### Per converter: boilerkit

| file | dumps | pages | default char F1 | line F1 | without this converter | best HTML extractor | default - best |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| lines.jsonl.gz | shared | 3 | {shared:.4f} | 0.8100 | - | 0.9000 (readability) | +0.0000 |
| lines.jsonl.gz | lynx | 3 | {lynx:.4f} | 0.8300 | 0.8000 | 0.9000 (readability) | -0.0100 |
| lines.jsonl.gz | w3m (unseen) | 3 | 0.8500 | 0.8400 | - | 0.9000 (readability) | -0.0200 |

### Per language

Char F1 on the shared files' dumps of all files.

| language | pages | trafilatura | boilerkit |
| --- | ---: | ---: | ---: |
| en | 2 | 0.9900 | 0.9100 |
| de | 1 | 0.9800 | {german:.4f} |
"""


def test_the_figures_of_a_report_are_boilerkits_by_dumps_pages_and_language():
    figures = compare_quality.figures(report(0.91, 0.89, 0.95, 0.93))
    assert figures[("dumps", "lines.jsonl.gz", "shared")] == (0.91, 0.81)
    assert figures[("dumps", "lines.jsonl.gz", "lynx")] == (0.89, 0.83)
    assert figures[("dumps", "lines.jsonl.gz", "w3m (unseen)")] == (0.85, 0.84)
    assert figures[("pages", "lines.jsonl.gz: all pages", "")] == (0.91, 0.81)  # not readability's row
    assert figures[("pages", "lines.jsonl.gz: dataset = cleaneval", "")] == (0.95, 0.82)
    assert figures[("language", "de", "")] == (0.93, None)  # boilerkit's column, wherever it is
    assert figures[("language", "en", "")] == (0.91, None)
    assert len(figures) == 7


def test_the_bundled_recipes_report_gives_every_file_its_nine_dumps_and_its_groups():
    figures = compare_quality.figures((ROOT / "benchmarks" / "results" / "quality.md").read_text(encoding="utf-8"))
    for file in ("lines.jsonl.gz", "lines-wcxb.jsonl.gz", "lines-fundus.jsonl.gz"):
        dumps = [key for key in figures if key[0] == "dumps" and key[1] == file]
        assert len(dumps) == 9 and ("dumps", file, "shared") in dumps
        assert ("pages", f"{file}: all pages", "") in figures
        # the file's shared dumps are one figure, in two tables
        assert figures[("pages", f"{file}: all pages", "")] == figures[("dumps", file, "shared")]
    assert ("pages", "lines-wcxb.jsonl.gz: page_type = product", "") in figures
    assert ("language", "all but en", "") in figures
    assert all(0 <= char <= 1 for char, _ in figures.values())


def test_a_comparison_gives_each_shared_figures_change_and_each_files_mean_over_its_dumps():
    lines = compare_quality.compare(report(0.91, 0.89, 0.95, 0.93), report(0.92, 0.86, 0.95, 0.94))
    shared = next(line for line in lines if line.startswith("dumps") and " shared " in line)
    assert "0.9100 -> 0.9200 +0.0100" in shared and "line F1 0.8100 -> 0.8100 +0.0000" in shared
    german = next(line for line in lines if line.startswith("language de"))
    assert german.rstrip().endswith("0.9300 -> 0.9400 +0.0100")
    # three dumps: +0.01, -0.03, 0
    assert lines[-1] == "mean change of char F1 over the 3 dumps of lines.jsonl.gz: -0.0067"


def test_figures_only_one_report_holds_are_left_out():
    before = report(0.91, 0.89, 0.95, 0.93)
    after = before.replace("| de | 1 | 0.9800 | 0.9300 |\n", "")
    lines = compare_quality.compare(before, after)
    assert not any(line.startswith("language de") for line in lines)
    assert any(line.startswith("language en") for line in lines)


def test_unreadable_or_unrelated_reports_fail_with_one_line(tmp_path, capsys):
    good = tmp_path / "a.md"
    good.write_text(report(0.91, 0.89, 0.95, 0.93))
    assert compare_quality.main([str(good), str(tmp_path / "missing.md")]) == 1
    error = capsys.readouterr().err
    assert "missing.md" in error and error.count("\n") == 1
    other = tmp_path / "b.md"
    other.write_text("# not a quality report\n")
    assert compare_quality.main([str(good), str(other)]) == 1
    assert "no boilerkit figure" in capsys.readouterr().err
    assert compare_quality.main([str(good), str(good)]) == 0
    assert "+0.0000" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["only-one.md"]])
def test_two_reports_are_needed(argv):
    with pytest.raises(SystemExit) as stopped:
        compare_quality.main(argv)
    assert stopped.value.code == 2
