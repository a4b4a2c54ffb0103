"""Labelled dumps of every shared page made with every converter (issue 21: converters not seen).

For each pages file of the shared data (``pages.jsonl.gz``, ``pages-wcxb.jsonl.gz``,
``pages-fundus.jsonl.gz``) and each converter of :data:`boilerkit.convert.CONVERTERS`, every
page is converted (:func:`boilerkit.convert.convert`) and its lines labelled from the page's
gold (:func:`boilerkit.align.align_labels`), into
``benchmarks/cache/dumps/<lines file stem>-<converter>.jsonl.gz`` (e.g.
``lines-wcxb-html2text.jsonl.gz``), one record per page in the format of the shared
``lines*.jsonl.gz``: ``id, dataset, url, converter, lines, labels``, plus ``page_type`` /
``language`` / ``country`` where the page has them, plus ``gold_coverage``.

Unlike the shared data, pages whose gold coverage is below 0.5 are kept (and counted): which
pages a converter loses is part of what is measured.  A page a converter fails on (crash or
timeout) is left out of that file and named in the output.

Printed per file and converter: pages, lines, share of lines labelled content, mean gold
coverage, pages below 0.5, for html-text and inscriptis how many pages' dumps are identical
to the shared ``lines`` (pages the shared data made with that converter), and CPU seconds per
page of conversion (lynx's own process included) and of labelling.  CPU seconds because the
machine is shared: wall-clock time grows with whatever else runs.

A file that exists is not made again (``--force`` remakes it); its figures are read from the
``.stats.json`` written beside it.

    python benchmarks/dumps.py [--data-dir DIR] [--force] [--workers 2]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, uninstalled

from boilerkit.align import align_labels
from boilerkit.convert import CONVERTERS, ConverterError, convert
from boilerkit.label import MIN_GOLD_COVERAGE

PAGES_FILES = ("pages.jsonl.gz", "pages-wcxb.jsonl.gz", "pages-fundus.jsonl.gz")
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
CACHE_DIR = Path(__file__).resolve().parent / "cache" / "dumps"
SHARED_CONVERTERS = ("html-text", "inscriptis")  # the converters the shared lines were made with
# Two cores on the benchmark machine: two worker processes, pages sent in small chunks.
WORKERS = 2
CHUNK_SIZE = 4


# --- one page ---------------------------------------------------------------------------


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (lynx runs as a child)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass(frozen=True)
class PageDump:
    """One page made into a labelled dump by one converter, or the converter's error."""

    id: str
    converter: str
    record: dict | None
    error: str | None
    convert_seconds: float
    label_seconds: float


def dump_page(page: dict, converter: str) -> PageDump:
    """The labelled dump record of ``page`` (a pages-file record) made with ``converter``."""
    start = cpu_seconds()
    try:
        lines = convert(page["html"], converter)
    except ConverterError as error:
        return PageDump(page["id"], converter, None, str(error), cpu_seconds() - start, 0.0)
    converted = cpu_seconds()
    alignment = align_labels(lines, page["gold"])
    labelled = cpu_seconds()
    meta = {key: value for key, value in page.items() if key not in ("html", "gold")}
    record = {
        **meta,
        "converter": converter,
        "lines": lines,
        "labels": alignment.labels.tolist(),
        "gold_coverage": round(float(alignment.gold_coverage), 4),
    }
    return PageDump(page["id"], converter, record, None, converted - start, labelled - converted)


def _dumps_of_page(task: tuple[dict, Sequence[str]]) -> list[PageDump]:
    page, converters = task
    return [dump_page(page, converter) for converter in converters]


# --- figures ----------------------------------------------------------------------------


@dataclass
class DumpStats:
    """Figures of one dumps file (one pages file, one converter); sums, so files add up."""

    pages: int = 0
    lines: int = 0
    content_lines: int = 0
    coverage_sum: float = 0.0
    below_min_coverage: int = 0
    identical: int = 0  # dumps equal to the shared lines (html-text and inscriptis only)
    compared: int = 0  # pages the shared data made with this converter
    convert_seconds: float = 0.0
    label_seconds: float = 0.0
    failed: dict[str, str] = field(default_factory=dict)  # page id -> error

    def add(self, dump: PageDump, shared_lines: list[str] | None) -> None:
        """Count one page; ``shared_lines`` are the shared data's lines of the page when it was
        made with the same converter."""
        self.convert_seconds += dump.convert_seconds
        self.label_seconds += dump.label_seconds
        if dump.record is None:
            self.failed[dump.id] = dump.error
            return
        record = dump.record
        self.pages += 1
        self.lines += len(record["lines"])
        self.content_lines += sum(record["labels"])
        self.coverage_sum += record["gold_coverage"]
        self.below_min_coverage += record["gold_coverage"] < MIN_GOLD_COVERAGE
        if shared_lines is not None:
            self.compared += 1
            self.identical += record["lines"] == shared_lines

    def merged(self, other: DumpStats) -> DumpStats:
        total = DumpStats(failed={**self.failed, **other.failed})
        for name in ("pages", "lines", "content_lines", "coverage_sum", "below_min_coverage", "identical",
                     "compared", "convert_seconds", "label_seconds"):
            setattr(total, name, getattr(self, name) + getattr(other, name))
        return total

    def row(self, name: str) -> str:
        attempted = max(self.pages + len(self.failed), 1)
        pages = max(self.pages, 1)
        same = f"{self.identical}/{self.compared} ({self.identical / self.compared:.1%})" if self.compared else "-"
        return (
            f"{name:<17} {self.pages:>6} {len(self.failed):>6} {self.lines:>9} {self.content_lines / max(self.lines, 1):>8.1%}"
            f" {self.coverage_sum / pages:>6.3f} {self.below_min_coverage:>5} {same:>20}"
            f" {self.convert_seconds / attempted:>9.4f} {self.label_seconds / pages:>9.4f}"
        )


HEADER = (
    f"{'converter':<17} {'pages':>6} {'failed':>6} {'lines':>9} {'content':>8} {'cover':>6} {'<0.5':>5}"
    f" {'same as shared':>20} {'convert s':>9} {'label s':>9}"
)


# --- files ------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def lines_stem(pages_file: Path) -> str:
    """``pages-wcxb.jsonl.gz`` -> ``lines-wcxb``: the stem of the matching shared lines file."""
    return "lines" + pages_file.name.split(".")[0].removeprefix("pages")


def dump_path(pages_file: Path, converter: str) -> Path:
    return CACHE_DIR / f"{lines_stem(pages_file)}-{converter}.jsonl.gz"


def stats_path(dumps_file: Path) -> Path:
    return dumps_file.with_name(dumps_file.name.removesuffix(".jsonl.gz") + ".stats.json")


def shared_lines(pages_file: Path) -> dict[str, tuple[str, list[str]]]:
    """id -> (converter, lines) of the shared lines file of ``pages_file``."""
    path = pages_file.with_name(lines_stem(pages_file) + ".jsonl.gz")
    return {record["id"]: (record["converter"], record["lines"]) for record in _read_jsonl(path)}


def build_dumps(pages_file: Path, converters: Sequence[str], workers: int = WORKERS) -> dict[str, DumpStats]:
    """Write the dumps files of ``converters`` for ``pages_file`` and their stats; a file
    appears under its name only once complete."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    shared = shared_lines(pages_file) if set(converters) & set(SHARED_CONVERTERS) else {}
    stats = {name: DumpStats() for name in converters}
    partial = {name: dump_path(pages_file, name).with_suffix(".partial") for name in converters}
    outputs = {name: gzip.open(partial[name], "wt", encoding="utf-8") for name in converters}
    tasks = ((page, converters) for page in _read_jsonl(pages_file))
    try:
        with Pool(workers) as pool:
            for page_dumps in pool.imap(_dumps_of_page, tasks, CHUNK_SIZE):
                for dump in page_dumps:
                    _write(dump, outputs[dump.converter], stats[dump.converter], shared)
    finally:
        for output in outputs.values():
            output.close()
    for name in converters:
        stats_path(dump_path(pages_file, name)).write_text(json.dumps(asdict(stats[name]), indent=1) + "\n")
        partial[name].replace(dump_path(pages_file, name))
    return stats


def _write(dump: PageDump, output, stats: DumpStats, shared: dict[str, tuple[str, list[str]]]) -> None:
    if dump.record is not None:
        output.write(json.dumps(dump.record, ensure_ascii=False) + "\n")
    made_by, lines = shared.get(dump.id, (None, None))
    stats.add(dump, lines if made_by == dump.converter else None)


def is_cached(dumps_file: Path) -> bool:
    return dumps_file.exists() and stats_path(dumps_file).exists()


def load_stats(dumps_file: Path) -> DumpStats:
    return DumpStats(**json.loads(stats_path(dumps_file).read_text()))


# --- main -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="folder with pages*.jsonl.gz")
    parser.add_argument("--force", action="store_true", help="remake dumps files that exist")
    parser.add_argument("--workers", type=int, default=WORKERS)
    args = parser.parse_args(argv)

    totals = {name: DumpStats() for name in CONVERTERS}
    for name in PAGES_FILES:
        pages_file = args.data_dir / name
        missing = [c for c in CONVERTERS if args.force or not is_cached(dump_path(pages_file, c))]
        started = time.perf_counter()
        made = build_dumps(pages_file, missing, args.workers) if missing else {}
        stats = {c: made[c] if c in made else load_stats(dump_path(pages_file, c)) for c in CONVERTERS}
        print(f"\n{name} -> {CACHE_DIR.name}/{lines_stem(pages_file)}-<converter>.jsonl.gz"
              + (f" (made {', '.join(missing)} in {time.perf_counter() - started:.0f} s wall-clock)" if missing
                 else " (all read from the cache)"))
        print(HEADER)
        for converter, figures in stats.items():
            print(figures.row(converter))
            totals[converter] = totals[converter].merged(figures)
        sys.stdout.flush()
    print("\nall three files")
    print(HEADER)
    for converter, figures in totals.items():
        print(figures.row(converter))
    below = {c: t.below_min_coverage for c, t in totals.items()}
    print(
        f"\ncontent = share of lines labelled content (blank lines count as lines); cover = mean gold coverage;"
        f"\n<0.5 = pages with gold coverage below {MIN_GOLD_COVERAGE}: kept here, dropped from the shared data"
        f" ({', '.join(f'{c} {n}' for c, n in below.items())});"
        f"\nsame as shared = dumps identical to the shared lines, of the pages the shared data made with that converter;"
        f"\nconvert s, label s = CPU seconds per page (conversion includes the lynx and w3m processes)."
    )
    for converter, figures in totals.items():
        for page_id, error in figures.failed.items():
            print(f"failed: {page_id}: {error}")


if __name__ == "__main__":
    main()
