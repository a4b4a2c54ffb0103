"""Agreement of ``boilerkit.align.align_labels`` with the labels shipped in the data set.

Runs ``align_labels(record["lines"], page["gold"])`` for every page of the two line files
(``lines.jsonl.gz`` with ``pages.jsonl.gz``, ``lines-wcxb.jsonl.gz`` with
``pages-wcxb.jsonl.gz``, matched by ``id``) and prints the share of lines and of
non-whitespace characters whose label agrees, overall, per ``dataset`` and per ``page_type``.

    python benchmarks/label_agreement.py [--data-dir DIR] [--show N] [--processes 2]

``--show N`` prints the disagreeing lines of N pages (those with most disagreeing characters)
for reading by eye.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Iterator
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, uninstalled

from boilerkit.align import align_labels
from boilerkit.evaluate import char_weights

PAIRS = (("lines.jsonl.gz", "pages.jsonl.gz"), ("lines-wcxb.jsonl.gz", "pages-wcxb.jsonl.gz"))
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def read_golds(path: Path) -> dict[str, str]:
    """id -> gold text, streamed so the HTML of the pages file is never all in memory."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return {page["id"]: page["gold"] for page in map(json.loads, handle)}


def read_records(data_dir: Path, limit: int | None) -> Iterator[dict]:
    for lines_name, pages_name in PAIRS:
        golds = read_golds(data_dir / pages_name)
        with gzip.open(data_dir / lines_name, "rt", encoding="utf-8") as handle:
            for n, line in enumerate(handle):
                if limit is not None and n >= limit:
                    break
                record = json.loads(line)
                record["gold"] = golds[record["id"]]
                yield record


def agreement_of_page(record: dict) -> dict:
    """Per-page agreement counts, and the page's disagreeing lines for inspection."""
    predicted = align_labels(record["lines"], record["gold"]).labels
    shipped = np.asarray(record["labels"], dtype=np.int8)
    weights = char_weights(record["lines"])
    agree = predicted == shipped
    return {
        "id": record["id"],
        "groups": [("dataset", record.get("dataset")), ("page_type", record.get("page_type"))],
        "lines": len(agree),
        "lines_agree": int(agree.sum()),
        "chars": int(weights.sum()),
        "chars_agree": int(weights[agree].sum()),
        "disagreements": [(i, int(shipped[i]), record["lines"][i]) for i in np.flatnonzero(~agree)],
    }


def add(totals: dict, key: str, page: dict) -> None:
    entry = totals.setdefault(key, {"pages": 0, "lines": 0, "lines_agree": 0, "chars": 0, "chars_agree": 0})
    entry["pages"] += 1
    for name in ("lines", "lines_agree", "chars", "chars_agree"):
        entry[name] += page[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="pages per line file (for quick runs)")
    parser.add_argument("--show", type=int, default=0, help="print disagreements of this many pages")
    args = parser.parse_args()

    started = time.perf_counter()
    totals: dict = {}
    pages = []
    with Pool(args.processes) as pool:
        for page in pool.imap_unordered(agreement_of_page, read_records(args.data_dir, args.limit), chunksize=8):
            add(totals, "overall", page)
            for field, value in page["groups"]:
                if value is not None:
                    add(totals, f"{field}={value}", page)
            pages.append(page)
    elapsed = time.perf_counter() - started

    print(f"{'group':<28} {'pages':>6} {'lines':>8} {'line agr.':>10} {'char agr.':>10}")
    for key in ["overall"] + sorted(k for k in totals if k != "overall"):
        t = totals[key]
        print(
            f"{key:<28} {t['pages']:>6} {t['lines']:>8} "
            f"{t['lines_agree'] / t['lines']:>10.4f} {t['chars_agree'] / max(t['chars'], 1):>10.4f}"
        )
    print(f"time: {elapsed:.1f} s with {args.processes} processes")

    worst = sorted(pages, key=lambda p: p["chars_agree"] - p["chars"])[: args.show]
    for page in worst:
        print(f"\n=== {page['id']}: {len(page['disagreements'])} lines disagree")
        for i, shipped, text in page["disagreements"][:25]:
            print(f"  line {i:>5} shipped={shipped} ours={1 - shipped}  {text[:110]}")


if __name__ == "__main__":
    main()
