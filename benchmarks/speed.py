"""Speed and memory of ``boilerkit apply``, beside the peers a user would pick instead.

What it measures, on one input built by repeating the pages of the line-labelled dumps
(``lines.jsonl.gz`` + ``lines-wcxb.jsonl.gz``) into a text-dump JSONL file (one
``{"id", "text"}`` record a page) of at least ``--lines`` lines:

* **library**: ``boilerkit.apply.apply`` called in this process, file to file, with a time
  breakdown (reading, features, first pass, second pass, writing) on the first batches;
* **cli**: ``boilerkit apply IN -f text -o OUT`` as a child process (``--jobs 1`` and
  ``--jobs N``): lines and MB per second, CPU seconds and peak memory (``ru_maxrss`` of the
  child from ``os.wait4``);
* **memory**: the same CLI run on ``--lines`` and on ``--memory-lines`` lines: peak memory must
  not grow with the input;
* **peers**, in the same run: C4's line rules in plain Python on the whole input, jusText on
  the dump lines and trafilatura on the HTML of the same pages (both on a subset of pages,
  their pages per second turned into lines per second of dump: lines of those pages / seconds).

Every figure is given as wall-clock and as CPU throughput: on a busy machine wall-clock
seconds grow with whatever else runs, CPU seconds much less.  The load average is printed
beside each measurement.

The model is ``--model``, else the bundled ``models/default.joblib``, else one trained on the
spot on ``data/sample.jsonl.gz`` (said in the output: its trees are smaller than a model
trained on all the data, so it predicts faster).

Usage::

    python benchmarks/speed.py --data-dir ../shared/data                       # everything
    python benchmarks/speed.py --data-dir ../shared/data --sections cli,peers  # some sections
    python benchmarks/speed.py --data-dir ../shared/data --lines 200000 --memory-lines 800000  # quick
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's boilerkit importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from threadpoolctl import threadpool_limits

from boilerkit.apply import BATCH_LINES, PREDICT_THREADS, LabelledDocument, apply, batches, write_text
from boilerkit.features import as_rows
from boilerkit.io import documents_of_files
from boilerkit.model import default_model_path, load_model, save_model, train
from boilerkit.stacking import pass_proba

ROOT = Path(__file__).resolve().parents[1]
LINES_FILES = ("lines.jsonl.gz", "lines-wcxb.jsonl.gz")
PAGES_FILES = ("pages.jsonl.gz", "pages-wcxb.jsonl.gz")
SECTIONS = ("library", "cli", "memory", "peers")
# Pages the slow peers (jusText, trafilatura) run on: every k-th page of the data, enough
# for a stable pages-per-second figure in a minute or two.
PEER_PAGES = 150
# Lines of the input the time breakdown runs on (a few batches).
BREAKDOWN_LINES = 300_000
MB = 1_000_000


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


# --------------------------------------------------------------------------------- input


def read_pages(data_dir: Path) -> list[dict]:
    pages = []
    for name in LINES_FILES:
        with gzip.open(data_dir / name, "rt", encoding="utf-8") as stream:
            pages.extend({"id": record["id"], "lines": record["lines"]} for record in map(json.loads, stream))
    return pages


def write_input(pages: list[dict], min_lines: int, path: Path) -> tuple[int, int, int]:
    """Write the pages, repeated, as a text-dump JSONL of at least ``min_lines`` lines;
    returns (documents, lines, bytes)."""
    documents = lines = 0
    with open(path, "w", encoding="utf-8") as out:
        copy = 0
        while lines < min_lines:
            for page in pages:
                record = {"id": f"{page['id']}#{copy}", "text": "\n".join(page["lines"])}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                documents += 1
                lines += len(page["lines"])
            copy += 1
    return documents, lines, path.stat().st_size


def text_bytes(pages: list[dict]) -> int:
    return sum(len("\n".join(page["lines"]).encode("utf-8")) for page in pages)


# --------------------------------------------------------------------------------- model


def get_model(model_path: Path | None, workdir: Path) -> tuple[Path, str]:
    if model_path is not None:
        return model_path, f"model {model_path}"
    bundled = default_model_path()
    if bundled.is_file():
        return bundled, f"bundled model {bundled}"
    quick = workdir / "quick.joblib"
    started = time.perf_counter()
    with threadpool_limits(1, user_api="openmp"):  # OpenMP teams crawl on a busy machine
        save_model(train([ROOT / "data" / "sample.jsonl.gz"]), quick)
    return quick, (
        f"NO bundled model ({bundled} missing): trained a quick one on data/sample.jsonl.gz in "
        f"{time.perf_counter() - started:.0f} s (default settings; smaller trees than a model trained on all the data)"
    )


# ----------------------------------------------------------------------------- measuring


@dataclass
class Run:
    name: str
    lines: int
    bytes: int
    wall: float
    cpu: float
    max_rss_mb: float | None = None
    note: str = ""

    def row(self, reference: Run | None = None) -> str:
        ratio = f"{self.lines / self.wall / (reference.lines / reference.wall):8.3f}x" if reference else ""
        rss = f"{self.max_rss_mb:8.0f}" if self.max_rss_mb is not None else f"{'':>8}"
        return (
            f"{self.name:<28} {self.lines:>10,} {self.wall:>8.1f} {self.cpu:>8.1f} {self.lines / self.wall:>12,.0f}"
            f" {self.lines / max(self.cpu, 1e-9):>12,.0f} {self.bytes / MB / self.wall:>7.1f} {rss} {ratio} {self.note}"
        )


HEADER = (
    f"{'what':<28} {'lines':>10} {'wall s':>8} {'cpu s':>8} {'lines/s wall':>12} {'lines/s cpu':>12}"
    f" {'MB/s':>7} {'peak MB':>8} {'vs boilerkit (wall)':>9}"
)


def timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run_cli(arguments: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, the child and its workers) and peak
    resident memory in MB of ``boilerkit ARGUMENTS`` in a child process."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "boilerkit.cli", *arguments], cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"boilerkit {' '.join(arguments)} exited with {process.returncode}")
    # ru_maxrss is in kB on Linux; it is the largest single process (the child or one of
    # the workers it waited for), not a sum.
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def breakdown(model, path: Path, max_lines: int, out_path: Path) -> dict[str, float]:
    """CPU seconds of each stage of apply on the first ``max_lines`` lines of ``path``."""
    features, thresholded = model.steps[0][1], model.steps[-1][1]
    classifier = thresholded.estimator_
    stages = dict.fromkeys(("read", "features", "first pass", "second pass", "writing"), 0.0)
    seen = 0
    documents = documents_of_files([str(path)])
    with open(out_path, "w", encoding="utf-8") as out:
        while seen < max_lines:
            clock = time.process_time()
            batch = next(batches(documents, BATCH_LINES), None)
            if batch is None:
                break
            rows = as_rows(doc.lines for doc in batch)
            stages["read"] += time.process_time() - clock
            clock = time.process_time()
            X = features.transform(rows)
            stages["features"] += time.process_time() - clock
            clock = time.process_time()
            with threadpool_limits(PREDICT_THREADS, user_api="openmp"):  # as apply does
                if hasattr(classifier, "first_pass_proba"):  # each pass as SequenceStacker.predict_proba runs it
                    p1 = classifier.first_pass_proba(X)
                    stages["first pass"] += time.process_time() - clock
                    clock = time.process_time()
                    scores = pass_proba(classifier.second_, X, classifier.neighbourhood_columns(X, p1))[:, 1]
                else:
                    scores = classifier.predict_proba(X)[:, 1]
            stages["second pass"] += time.process_time() - clock
            clock = time.process_time()
            labels = (scores >= model.threshold).astype(np.int8)
            bounds = np.cumsum([0] + [len(doc.lines) for doc in batch])
            for doc, start, end in zip(batch, bounds[:-1], bounds[1:]):
                write_text(LabelledDocument(doc, labels[start:end], scores[start:end]), out)
            stages["writing"] += time.process_time() - clock
            seen += len(rows)
    stages["lines"] = seen
    return stages


# --------------------------------------------------------------------------------- peers


def c4_run(path: Path, out_path: Path) -> int:
    """C4's line rules in plain Python over the whole input, file to file."""
    from benchmarks.peers import c4_keeps_line

    lines = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for document in documents_of_files([str(path)]):
            out.writelines(line + "\n" for line in document.lines if c4_keeps_line(line))
            lines += len(document.lines)
    return lines


def subset(pages: list[dict], count: int) -> list[dict]:
    step = max(1, len(pages) // count)
    return pages[::step][:count]


def html_of(data_dir: Path, ids: set[str]) -> dict[str, str]:
    found = {}
    for name in PAGES_FILES:
        with gzip.open(data_dir / name, "rt", encoding="utf-8") as stream:
            for line in stream:
                record = json.loads(line)
                if record["id"] in ids:
                    found[record["id"]] = record["html"]
    return found


def peer_runs(pages: list[dict], data_dir: Path) -> list[Run]:
    from benchmarks.peers import justext_lines, trafilatura_default

    chosen = subset(pages, PEER_PAGES)
    lines = sum(len(page["lines"]) for page in chosen)
    size = text_bytes(chosen)
    runs = []
    _, wall, cpu = timed(lambda: [justext_lines(page["lines"]) for page in chosen])
    runs.append(Run("jusText on the dump lines", lines, size, wall, cpu, note=f"{len(chosen)} pages"))
    html = html_of(data_dir, {page["id"] for page in chosen})
    with_html = [page for page in chosen if page["id"] in html]
    html_lines = sum(len(page["lines"]) for page in with_html)
    _, wall, cpu = timed(lambda: [trafilatura_default(html[page["id"]]) for page in with_html])
    runs.append(
        Run("trafilatura on the HTML", html_lines, text_bytes(with_html), wall, cpu,
            note=f"{len(with_html)} pages, {len(with_html) / wall:.1f} pages/s; MB/s of dump text")
    )
    return runs


def cached_peer_rates(data_dir: Path) -> list[str]:
    """Pages per CPU second of every peer from benchmarks/peers.py's cache, if it exists."""
    try:
        from benchmarks.peers import load_peer_outputs, peer_timings
    except ImportError as error:
        return [f"(peer cache not read: {error})"]
    rows = []
    for name in PAGES_FILES:
        try:
            records = load_peer_outputs(data_dir / name)
        except FileNotFoundError as error:
            rows.append(f"({error})")
            continue
        lines_per_page = {}
        with gzip.open(data_dir / name.replace("pages", "lines"), "rt", encoding="utf-8") as stream:
            for record in map(json.loads, stream):
                lines_per_page[record["id"]] = len(record["lines"])
        total_lines = sum(lines_per_page.get(key, 0) for key in records)
        for peer, timing in peer_timings(records).items():
            rate = total_lines / timing.total_seconds if timing.total_seconds else 0.0
            rows.append(f"  {name:<22} {peer:<24} {timing.pages_per_second:>8.1f} pages/s  {rate:>10,.0f} lines/s (CPU)")
    return rows


# ---------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--lines", type=int, default=2_000_000, help="lines of the benchmark input")
    parser.add_argument("--memory-lines", type=int, default=8_000_000, help="lines of the large input (memory)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of the parallel CLI run")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)}")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the inputs and outputs here")
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))
    unknown = sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="boilerkit-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"boilerkit speed benchmark, {time.strftime('%Y-%m-%d %H:%M:%S')}; {load_average()}")
    model_path, model_note = get_model(args.model, workdir)
    print(model_note)
    pages = read_pages(args.data_dir)
    source = workdir / "input.jsonl"
    documents, n_lines, size = write_input(pages, args.lines, source)
    print(f"input: {source}: {documents:,} documents, {n_lines:,} lines, {size / MB:.0f} MB (JSONL)")
    results: list[Run] = []
    reference: Run | None = None

    if "library" in sections:
        model = load_model(model_path)
        stages = breakdown(model, source, BREAKDOWN_LINES, workdir / "breakdown.txt")
        total = sum(value for key, value in stages.items() if key != "lines")
        print(f"\ntime breakdown (CPU s) on the first {stages['lines']:,} lines; {load_average()}")
        for key, value in stages.items():
            if key != "lines":
                print(f"  {key:<12} {value:7.2f} s  {100 * value / total:5.1f}%  {stages['lines'] / value:>12,.0f} lines/s")
        _, wall, cpu = timed(apply, [str(source)], model, output=str(workdir / "library.txt"))
        results.append(Run("boilerkit library apply", n_lines, size, wall, cpu, note=load_average()))

    if "cli" in sections:
        out = workdir / "cli.txt"
        wall, cpu, rss = run_cli(["apply", str(source), "-m", str(model_path), "-f", "text", "-o", str(out)])
        reference = Run("boilerkit CLI --jobs 1", n_lines, size, wall, cpu, rss, note=load_average())
        results.append(reference)
        out_n = workdir / f"cli-jobs{args.jobs}.txt"
        wall, cpu, rss = run_cli(["apply", str(source), "-m", str(model_path), "-f", "text", "-o", str(out_n),
                                  "--jobs", str(args.jobs)])
        results.append(Run(f"boilerkit CLI --jobs {args.jobs}", n_lines, size, wall, cpu, rss, note=load_average()))
        same = out.read_bytes() == out_n.read_bytes()
        print(f"\n--jobs {args.jobs} output identical to --jobs 1: {same}")

    if "peers" in sections:
        _, wall, cpu = timed(c4_run, source, workdir / "c4.txt")
        results.append(Run("C4 line rules (Python)", n_lines, size, wall, cpu, note=load_average()))
        results.extend(peer_runs(pages, args.data_dir))

    if results:
        print(f"\n{HEADER}")
        for run in results:
            print(run.row(reference if reference is not None and run is not reference else None))

    if "memory" in sections:
        large = workdir / "large.jsonl"
        _, large_lines, large_size = write_input(pages, args.memory_lines, large)
        small_rss = None
        rows = []
        for path, lines, nbytes in ((source, n_lines, size), (large, large_lines, large_size)):
            wall, cpu, rss = run_cli(["apply", str(path), "-m", str(model_path), "-f", "text",
                                      "-o", str(workdir / "memory.txt")])
            rows.append(Run(f"memory: CLI on {lines / 1e6:.1f}M lines", lines, nbytes, wall, cpu, rss, load_average()))
            small_rss = small_rss or rss
        print(f"\n{HEADER}")
        for run in rows:
            print(run.row())
        growth = rows[1].max_rss_mb / rows[0].max_rss_mb - 1
        print(f"peak memory {rows[0].max_rss_mb:.0f} MB -> {rows[1].max_rss_mb:.0f} MB: {100 * growth:+.1f}%"
              f" for {large_lines / n_lines:.1f}x the lines (target: under 20%)")

    print("\npeers' speed from benchmarks/peers.py's cache (all pages, CPU seconds of one process):")
    print("\n".join(cached_peer_rates(args.data_dir)))
    print(f"\nfiles in {workdir}; {load_average()}")


if __name__ == "__main__":
    main()
