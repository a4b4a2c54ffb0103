"""Run the extractors users compare boilerkit with ("peers") on the benchmark pages, and cache their outputs.

Two kinds of peers:

* HTML peers (``HTML_PEERS``: ``html -> text``) see the raw page, as they would in real use:
  trafilatura (three settings), readability-lxml, resiliparse, jusText.  Their text is
  mapped onto the dump lines later (``peer_line_labels``, via ``boilerkit.align``).
* Line peers (``LINE_PEERS``: ``dump lines -> 0/1 per line``) see only the plain-text dump,
  as boilerkit does: jusText fed the dump one line per ``<p>``, and C4's line rules.

Every peer runs on every page under a time limit; a crash or timeout gives "" (all-zero
labels for line peers), is recorded in the page's ``errors`` and counted in the summary.

Cache: ``benchmarks/cache/peers-<pages file stem>.jsonl.gz``, one record per page::

    {"id": ..., "outputs": {peer: text}, "line_labels": {line peer: [0/1, ...]},
     "seconds": {peer: wall-clock seconds}, "cpu_seconds": {peer: CPU seconds},
     "errors": {peer: message}}

CPU seconds are the fairer speed measure on a shared machine: wall-clock seconds grow with
whatever else runs at the same time.

Scores (``score_peers``): HTML peers' texts are mapped onto the dump lines with
``boilerkit.align`` (``peer_line_labels``), line peers keep their own labels, and both are
scored with ``boilerkit.evaluate.evaluate_pages`` against the gold labels of the lines files.

Usage::

    python benchmarks/peers.py --data-dir /work/shared/data              # caches (once), timings, scores
    python benchmarks/peers.py --data-dir /work/shared/data --force      # recompute the caches
    python benchmarks/peers.py --data-dir /work/shared/data --no-scores  # caches and timings only
"""

from __future__ import annotations

import argparse
import functools
import gzip
import itertools
import html as html_lib
import json
import logging
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import justext
import lxml.etree
import lxml.html
import readability
import trafilatura
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree

if __package__ in (None, ""):  # run as a script: make the repository's boilerkit importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from boilerkit.align import align_labels
from boilerkit.convert import cpu_time_limit
from boilerkit.evaluate import Evaluation, evaluate_pages

log = logging.getLogger(__name__)

CACHE_DIR = Path(__file__).resolve().parent / "cache"
PAGES_FILES = ("pages.jsonl.gz", "pages-wcxb.jsonl.gz", "pages-fundus.jsonl.gz")
LINES_FILES = ("lines.jsonl.gz", "lines-wcxb.jsonl.gz", "lines-fundus.jsonl.gz")

# CPU-time limit of one peer on one page.  The slowest peer needs at most a few seconds on the
# largest pages (see the "max s" column of the timings); far beyond that is a hang.
PEER_TIMEOUT_SECONDS = 60.0
# Two cores on the benchmark machine: two worker processes, pages sent in small chunks.
WORKERS = 2
CHUNK_SIZE = 4

# jusText has stoplists per language.  Its best setting is the page's own language: the
# Fundus pages' records name it ("language", ISO 639-1); the other pages are nearly all
# English (see the data README) and get the English list.
JUSTEXT_STOPLIST = frozenset(justext.get_stoplist("English"))
JUSTEXT_LANGUAGES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "tr": "Turkish", "cs": "Czech", "ru": "Russian", "ko": "Korean", "hi": "Hindi",
    "is": "Icelandic", "no": "Norwegian_Bokmal", "pl": "Polish", "sv": "Swedish", "da": "Danish",
}  # fmt: skip


def justext_stoplist(language: str | None) -> frozenset[str]:
    """jusText's stoplist of the page's language (English where jusText has none, as for ja)."""
    name = JUSTEXT_LANGUAGES.get(language or "en")
    return frozenset(justext.get_stoplist(name)) if name else JUSTEXT_STOPLIST

# C4's line rules (Raffel et al. 2020, JMLR 21(140), section 2.2; tensorflow_datasets
# c4_utils.clean_page): keep lines ending in a terminal mark, not in an ellipsis, with at
# least 3 words, without "javascript" and without cookie/policy notices.
C4_END_MARKS = (".", "?", "!", '"')
C4_ELLIPSIS = "..."
C4_MIN_WORDS = 3
C4_POLICY_SUBSTRINGS = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")

# Elements that start a new line when readability's HTML summary is turned into text.
BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption dd details div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table "
    "tbody td tfoot th thead tr ul".split()
)


# --- HTML peers: html -> text -------------------------------------------------------------


def _trafilatura(html: str, include_comments: bool = False, **options) -> str:
    text = trafilatura.extract(html, include_comments=include_comments, include_tables=True, output_format="txt",
                               **options)
    return text or ""


def trafilatura_default(html: str) -> str:
    """trafilatura with its defaults, except that user comments are left out (as in the gold)."""
    return _trafilatura(html)


def trafilatura_precision(html: str) -> str:
    """trafilatura with ``favor_precision=True``."""
    return _trafilatura(html, favor_precision=True)


def trafilatura_recall(html: str) -> str:
    """trafilatura with ``favor_recall=True``."""
    return _trafilatura(html, favor_recall=True)


def trafilatura_comments(html: str) -> str:
    """trafilatura with ``include_comments=True``: for the gold that keeps user comments
    (CleanEval's), and for boilerkit told to keep them."""
    return _trafilatura(html, include_comments=True)


def html_to_block_text(fragment: str) -> str:
    """Text of an HTML fragment, one block element (or ``<br>``-separated run) per line."""
    if not fragment.strip():
        return ""
    root = lxml.html.fromstring(fragment)
    parts: list[str] = []
    for event, element in lxml.etree.iterwalk(root, events=("start", "end")):
        is_element = isinstance(element.tag, str)  # comments and processing instructions are not
        tag = element.tag.lower() if is_element else ""
        if event == "start":
            if tag in BLOCK_TAGS or tag == "br":
                parts.append("\n")
            if is_element and element.text:
                parts.append(element.text)
        else:
            if tag in BLOCK_TAGS:
                parts.append("\n")
            if element.tail and element is not root:
                parts.append(element.tail)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def readability_lxml(html: str) -> str:
    """readability-lxml's article HTML (``Document.summary()``) as text, one block per line."""
    return html_to_block_text(readability.Document(html).summary())


def resiliparse(html: str) -> str:
    """resiliparse's main-content extraction, block structure kept as lines, user comments left
    out (``comments=False``) as in the gold and as for trafilatura."""
    return extract_plain_text(HTMLTree.parse(html), main_content=True, preserve_formatting=True, comments=False)


def resiliparse_comments(html: str) -> str:
    """resiliparse with its default ``comments=True`` (comment sections count as main content)."""
    return extract_plain_text(HTMLTree.parse(html), main_content=True, preserve_formatting=True)


def justext_html(html: str, language: str | None = None) -> str:
    """jusText on the page (its language's stoplist): the paragraphs it does not call boilerplate."""
    paragraphs = justext.justext(html, justext_stoplist(language))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


HTML_PEERS: dict[str, Callable[[str], str]] = {
    "trafilatura": trafilatura_default,
    "trafilatura_precision": trafilatura_precision,
    "trafilatura_recall": trafilatura_recall,
    "trafilatura_comments": trafilatura_comments,
    "readability": readability_lxml,
    "resiliparse": resiliparse,
    "resiliparse_comments": resiliparse_comments,
    "justext_html": justext_html,
}


# --- line peers: dump lines -> 0/1 per line -----------------------------------------------

_P_INDEX = re.compile(r"/p\[(\d+)\]$")


def justext_lines(lines: Sequence[str], language: str | None = None) -> list[int]:
    """jusText on the dump, each line one ``<p>``: 1 for the lines it keeps.

    Paragraphs are mapped back to lines by their XPath (``/html/body/p[i]``), not by their
    position in jusText's list, because jusText silently drops paragraphs without text.
    """
    body = "".join(f"<p>{html_lib.escape(line)}</p>" for line in lines)
    paragraphs = justext.justext(f"<html><body>{body}</body></html>", justext_stoplist(language))
    labels = [0] * len(lines)
    for paragraph in paragraphs:
        match = _P_INDEX.search(paragraph.xpath)
        if match and not paragraph.is_boilerplate:
            labels[int(match.group(1)) - 1] = 1
    return labels


def c4_keeps_line(line: str) -> bool:
    """C4's line-level rules.

    C4 also drops whole pages (any "lorem ipsum" or "{", fewer than 5 sentences, bad words);
    those page rules are left out, since they judge pages, not lines.  A line with "{" is
    dropped here instead of its page.
    """
    line = line.strip()
    lower = line.lower()
    return (
        line.endswith(C4_END_MARKS)
        and not line.endswith(C4_ELLIPSIS)
        and len(line.split()) >= C4_MIN_WORDS
        and "javascript" not in lower
        and "{" not in line
        and not any(policy in lower for policy in C4_POLICY_SUBSTRINGS)
    )


def c4_lines(lines: Sequence[str]) -> list[int]:
    """C4's line rules on the dump: 1 for the lines they keep."""
    return [int(c4_keeps_line(line)) for line in lines]


LINE_PEERS: dict[str, Callable[[Sequence[str]], list[int]]] = {
    "justext_lines": justext_lines,
    "c4_lines": c4_lines,
}

PEER_NAMES = (*HTML_PEERS, *LINE_PEERS)


# --- running the peers on a page ----------------------------------------------------------


class PeerTimeout(Exception):
    """A peer took more than ``PEER_TIMEOUT_SECONDS`` of CPU time on one page."""


@dataclass(frozen=True)
class PeerRun:
    """One peer on one page: its result (None after a failure), time taken, error message."""

    result: object
    seconds: float
    cpu_seconds: float
    error: str | None


def _run_one(peer: Callable, argument, timeout: float) -> PeerRun:
    # CPU time of this thread (the peers are single-threaded): while ITIMER_PROF is armed,
    # Linux reports the *process* CPU clock in whole scheduler ticks (4 ms here).
    start, cpu_start = time.perf_counter(), time.thread_time()
    try:
        with cpu_time_limit(timeout, PeerTimeout):
            result = peer(argument)
        error = None
    except Exception as exc:  # any peer failure is recorded per page, never fatal
        result, error = None, f"{type(exc).__name__}: {exc}"[:300]
    return PeerRun(result, time.perf_counter() - start, time.thread_time() - cpu_start, error)


def _record_run(record: dict, name: str, run: PeerRun) -> None:
    record["seconds"][name] = round(run.seconds, 4)
    record["cpu_seconds"][name] = round(run.cpu_seconds, 4)
    if run.error:
        record["errors"][name] = run.error


def _in_language(peer: Callable, page: dict) -> Callable:
    """The peer told the page's language, where it takes one (jusText's stoplists)."""
    if peer in (justext_html, justext_lines) and page.get("language"):
        return functools.partial(peer, language=page["language"])
    return peer


def run_peers(page: dict, lines: Sequence[str], timeout: float = PEER_TIMEOUT_SECONDS,
              record: dict | None = None) -> dict:
    """The cache record of one page: every peer's text, line labels, seconds and errors
    (the peers missing from ``record``, added to it, where a cached record is given)."""
    if record is None:
        record = {"id": page["id"], "outputs": {}, "line_labels": {}, "seconds": {}, "cpu_seconds": {}, "errors": {}}
    for name, peer in HTML_PEERS.items():
        if name in record["outputs"]:
            continue
        run = _run_one(_in_language(peer, page), page["html"], timeout)
        record["outputs"][name] = run.result or ""
        _record_run(record, name, run)
    for name, peer in LINE_PEERS.items():
        if name in record["outputs"]:
            continue
        run = _run_one(_in_language(peer, page), lines, timeout)
        labels = run.result if run.result is not None else [0] * len(lines)
        record["line_labels"][name] = labels
        record["outputs"][name] = "\n".join(line for line, keep in zip(lines, labels) if keep)
        _record_run(record, name, run)
    return record


def _run_peers_on_pair(pair: tuple[dict, list[str], dict | None]) -> dict:
    page, lines, cached = pair
    return run_peers(page, lines, record=cached)


# --- files and cache ----------------------------------------------------------------------


def _read_jsonl(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _stem(path: Path) -> str:
    return path.name.split(".")[0]


def pages_file_of(data_file: Path) -> Path:
    """The pages file of a data file: ``lines-wcxb.jsonl.gz`` -> ``pages-wcxb.jsonl.gz``."""
    data_file = Path(data_file)
    return data_file.with_name(re.sub(r"^lines", "pages", data_file.name))


def lines_file_of(pages_file: Path) -> Path:
    pages_file = Path(pages_file)
    return pages_file.with_name(re.sub(r"^pages", "lines", pages_file.name))


def cache_path(data_file: Path) -> Path:
    """Cache of a pages file (or of its lines file): ``benchmarks/cache/peers-pages-wcxb.jsonl.gz``."""
    return CACHE_DIR / f"peers-{_stem(pages_file_of(data_file))}.jsonl.gz"


def _page_line_pairs(pages_file: Path) -> Iterator[tuple[dict, list[str]]]:
    """(page without its gold, dump lines) of every page; the two files list the same ids in order."""
    for page, doc in zip(_read_jsonl(pages_file), _read_jsonl(lines_file_of(pages_file)), strict=True):
        if page["id"] != doc["id"]:
            raise ValueError(f"{pages_file} and its lines file disagree: {page['id']} vs {doc['id']}")
        yield {"id": page["id"], "html": page["html"], "language": page.get("language")}, doc["lines"]


def build_cache(pages_file: Path, force: bool = False, workers: int = WORKERS) -> Path:
    """Run all peers on every page of ``pages_file`` and write the cache (unless it exists
    with the same peers)."""
    path = cache_path(pages_file)
    cached: Iterator[dict | None] = itertools.repeat(None)
    if path.exists() and not force:
        cached_peers = set(next(_read_jsonl(path))["outputs"])
        if cached_peers == set(PEER_NAMES):
            log.info("%s exists, not recomputed (use --force)", path)
            return path
        missing, dropped = set(PEER_NAMES) - cached_peers, cached_peers - set(PEER_NAMES)
        log.info("%s: running %s, dropping %s", path, ", ".join(sorted(missing)) or "no peer",
                 ", ".join(sorted(dropped)) or "none")
        cached = (_without_peers(record, cached_peers - set(PEER_NAMES)) for record in _read_jsonl(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    pairs = ((page, lines, record) for (page, lines), record in zip(_page_line_pairs(pages_file), cached))
    with gzip.open(partial, "wt", encoding="utf-8") as out, Pool(workers, maxtasksperchild=200) as pool:
        for n, record in enumerate(pool.imap(_run_peers_on_pair, pairs, CHUNK_SIZE), 1):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            if n % 100 == 0:
                log.info("%s: %d pages", pages_file.name, n)
    partial.replace(path)  # a cache file exists only once it is complete
    return path


def _without_peers(record: dict, names: set[str]) -> dict:
    """A cached record without the peers that are no longer run."""
    for field in ("outputs", "line_labels", "seconds", "cpu_seconds", "errors"):
        for name in names:
            record.get(field, {}).pop(name, None)
    return record


def load_peer_outputs(data_file: str | Path) -> dict[str, dict]:
    """Cached peer records by page id, for a pages file or its lines file (build it first)."""
    path = cache_path(Path(data_file))
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: run `python benchmarks/peers.py --data-dir <data folder>` first")
    return {record["id"]: record for record in _read_jsonl(path)}


# --- scores -------------------------------------------------------------------------------


def peer_line_labels(record_lines: Sequence[str], peer_output_text: str):
    """0/1 per dump line: the lines an HTML peer's output text covers, by the rule the gold
    labels were made with (``boilerkit.align``), so peers and boilerkit are scored alike."""
    return align_labels(record_lines, peer_output_text).labels


def _labels_of_page(pair: tuple[list[str], dict]) -> dict[str, list[int]]:
    lines, record = pair
    return {
        name: record["line_labels"][name] if name in record["line_labels"] else peer_line_labels(lines, record["outputs"][name])
        for name in PEER_NAMES
    }


def peer_labels_of_file(lines_file: Path, workers: int = WORKERS) -> dict[str, list[list[int]]]:
    """Per peer, its 0/1 labels of every page of ``lines_file`` (in the file's order): line
    peers' own, HTML peers' aligned output text.  Cached beside the peers' outputs, since the
    alignment of seven outputs on every page takes minutes."""
    cache = CACHE_DIR / f"peer-labels-{_stem(Path(lines_file))}.json.gz"
    outputs = cache_path(lines_file)
    if cache.exists() and cache.stat().st_mtime >= outputs.stat().st_mtime:
        with gzip.open(cache, "rt", encoding="utf-8") as stream:
            return json.load(stream)
    records = load_peer_outputs(lines_file)
    docs = list(_read_jsonl(lines_file))
    pairs = ((doc["lines"], records[doc["id"]]) for doc in docs)
    with Pool(workers) as pool:
        labels = list(pool.imap(_labels_of_page, pairs, CHUNK_SIZE))
    by_peer = {name: [[int(v) for v in page[name]] for page in labels] for name in PEER_NAMES}
    with gzip.open(cache, "wt", encoding="utf-8") as stream:
        json.dump(by_peer, stream)
    return by_peer


def score_peers(lines_file: Path, workers: int = WORKERS) -> dict[str, Evaluation]:
    """Per peer, the scores of its line labels against the gold labels of ``lines_file``.

    Line peers are scored on their own labels, HTML peers on their aligned output text.
    """
    docs = list(_read_jsonl(lines_file))
    labels = peer_labels_of_file(lines_file, workers)
    return {name: evaluate_pages(zip(docs, labels[name])) for name in PEER_NAMES}


# --- summaries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerTiming:
    """Pages, failures, empty outputs and speed of one peer on one pages file (CPU seconds)."""

    pages: int
    failures: int
    empty: int
    total_seconds: float
    median_seconds: float
    max_seconds: float
    wall_seconds: float

    @property
    def pages_per_second(self) -> float:
        """Pages per CPU second (one core)."""
        return self.pages / self.total_seconds if self.total_seconds else 0.0


def peer_timings(records: dict[str, dict]) -> dict[str, PeerTiming]:
    """Per peer: pages processed, failures (crash or timeout), pages with empty output
    (failures included), total/median/max CPU seconds per page and total wall-clock seconds."""
    timings = {}
    for name in PEER_NAMES:
        seconds = [r["cpu_seconds"][name] for r in records.values() if name in r["cpu_seconds"]]
        failures = sum(name in r["errors"] for r in records.values())
        empty = sum(not r["outputs"][name].strip() for r in records.values())
        wall = sum(r["seconds"][name] for r in records.values())
        median = statistics.median(seconds) if seconds else 0.0
        timings[name] = PeerTiming(len(seconds), failures, empty, sum(seconds), median, max(seconds, default=0.0), wall)
    return timings


def _format_timings(title: str, timings: dict[str, PeerTiming]) -> str:
    rows = [
        title,
        "(CPU seconds of the peer's thread; wall s = wall-clock total, inflated when the machine is busy)",
        f"{'peer':<24} {'pages':>6} {'failed':>6} {'empty':>6} {'total s':>9} {'median s':>9} {'max s':>7} {'pages/s':>8} {'wall s':>8}",
    ]
    for name, t in timings.items():
        rows.append(
            f"{name:<24} {t.pages:>6} {t.failures:>6} {t.empty:>6} {t.total_seconds:>9.1f} {t.median_seconds:>9.4f}"
            f" {t.max_seconds:>7.2f} {t.pages_per_second:>8.1f} {t.wall_seconds:>8.1f}"
        )
    return "\n".join(rows)


def _format_scores(title: str, evaluations: dict[str, Evaluation]) -> str:
    """Per peer: character P/R/F1, line F1 and mean page F1 overall, then char F1 per group."""
    groups = [(field, value) for field, by_value in next(iter(evaluations.values())).groups.items() for value in sorted(by_value)]
    header = f"{'peer':<24} {'char P':>6} {'char R':>6} {'char F1':>7} {'line F1':>7} {'page F1':>7} | " + " ".join(
        f"{value[:11]:>11}" for _, value in groups
    )
    rows = [title, "(after |: character F1 per " + " / ".join(dict.fromkeys(f for f, _ in groups)) + ")", header]
    for name, e in evaluations.items():
        chars = e.overall.chars
        per_group = " ".join(f"{e.groups[field][value].chars.f1:>11.3f}" for field, value in groups)
        rows.append(
            f"{name:<24} {chars.precision:>6.3f} {chars.recall:>6.3f} {chars.f1:>7.3f} {e.overall.lines.f1:>7.3f}"
            f" {e.overall.page_f1_mean:>7.3f} | {per_group}"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="folder with pages*.jsonl.gz and lines*.jsonl.gz")
    parser.add_argument("--force", action="store_true", help="recompute caches that exist")
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--no-scores", action="store_true", help="skip scoring the peers against the gold labels")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    log.setLevel(logging.INFO)
    # trafilatura logs an ERROR for every page it rejects (it then returns None, counted as
    # an empty output in the summary); thousands of those lines would hide the progress.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

    for name in PAGES_FILES:
        pages_file = args.data_dir / name
        build_cache(pages_file, force=args.force, workers=args.workers)
        records = load_peer_outputs(pages_file)
        print(_format_timings(f"\n{name}: {len(records)} pages", peer_timings(records)), flush=True)
    if args.no_scores:
        return
    for name in LINES_FILES:
        print("\n" + _format_scores(f"{name}: peers against the gold line labels", score_peers(args.data_dir / name, args.workers)))


if __name__ == "__main__":
    main()
