"""Compare boilerkit's figures in two reports of ``benchmarks/quality.py``: a screen against
the recipe it changes, run with the same folds and model seed.

Prints, for each figure both reports hold, the char F1 (and line F1 where the report gives
it) of each, and the change: per file and dumps (the "Per converter" table), per file,
dataset and page type (the shared dumps), per language; then, per file, the mean change
over its dumps (the nine of the bundled recipe's report: the shared dumps, six training
converters', two unseen ones).  A screen moves a file's figures by less than another model
seed does (``benchmarks/results/experiments.md``, "Screened under two seeds"): read it
under two seeds before adopting it.

    python benchmarks/compare_quality.py benchmarks/results/quality.md /tmp/screen.md
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

SYSTEM = "boilerkit"
CONVERTER_ROW = re.compile(r"^\| (lines[-\w]*\.jsonl\.gz) \| ([^|]+?) \| (\d+) \| ([0-9.]+) \| ([0-9.]+) \|")
SYSTEM_ROW = re.compile(rf"^\| {SYSTEM} \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|")


def figures(report: str) -> dict[tuple[str, str, str], tuple[float, float | None]]:
    """boilerkit's ``(char F1, line F1 or None)`` in a quality report, keyed by ``(kind,
    what, which)``: ``("dumps", file, dumps)``, ``("pages", section title, "")`` and
    ``("language", language, "")``."""
    out: dict[tuple[str, str, str], tuple[float, float | None]] = {}
    section, language_column = "", None
    for line in report.splitlines():
        if line.startswith("#"):
            section, language_column = line.lstrip("#").strip(), None
            continue
        if (match := CONVERTER_ROW.match(line)) and section.startswith("Per converter:"):
            out[("dumps", match[1], match[2])] = (float(match[4]), float(match[5]))
        elif (match := SYSTEM_ROW.match(line)) and ".jsonl.gz" in section:
            out[("pages", re.sub(r"\s*\(\d+( pages)?\)$", "", section), "")] = (float(match[3]), float(match[4]))
        elif section == "Per language" and line.startswith("| language |"):
            language_column = _cells(line).index(SYSTEM)
        elif section == "Per language" and language_column is not None and re.match(r"^\| [^-]", line):
            cells = _cells(line)
            out[("language", cells[0], "")] = (float(cells[language_column]), None)
    return out


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip("|").split("|")]


def compare(before: str, after: str) -> list[str]:
    """The lines of the comparison of two reports' texts."""
    a, b = figures(before), figures(after)
    lines, changes_by_file = [], defaultdict(list)
    for key in (key for key in a if key in b):
        kind, what, which = key
        (char_a, line_a), (char_b, line_b) = a[key], b[key]
        row = f"{kind:8s} {what:48s} {which:28s} {char_a:.4f} -> {char_b:.4f} {char_b - char_a:+.4f}"
        if line_a is not None and line_b is not None:
            row += f"   line F1 {line_a:.4f} -> {line_b:.4f} {line_b - line_a:+.4f}"
        lines.append(row)
        if kind == "dumps":
            changes_by_file[what].append(char_b - char_a)
    for file, changes in changes_by_file.items():
        mean = sum(changes) / len(changes)
        lines.append(f"mean change of char F1 over the {len(changes)} dumps of {file}: {mean:+.4f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="the recipe's report")
    parser.add_argument("after", type=Path, help="the screen's report")
    args = parser.parse_args(argv)
    texts = []
    for path in (args.before, args.after):
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except OSError as error:
            print(f"compare_quality: cannot read {path}: {error.strerror}", file=sys.stderr)
            return 1
    lines = compare(*texts)
    if not lines:
        print(f"compare_quality: no boilerkit figure in both {args.before} and {args.after}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
