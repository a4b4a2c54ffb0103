"""Speed of ``boilerkit apply``: every figure issue 22 asks for, from one run.

The input is a JSONL corpus of pages: the shared dev pages (every ``lines*.jsonl.gz`` of
``--data-dir``, in a fixed shuffled order) repeated to at least ``--lines`` lines, one
``{"id", "lines"}`` record a page, as ``boilerkit apply -f jsonl`` reads it.  Sections:

1. **cli**: ``boilerkit apply corpus.jsonl -f jsonl -o out.jsonl`` with the bundled model, one
   process, file to file: lines per second (wall and CPU), CPU seconds, peak memory; and the
   same command on one page, the start-up that the figure includes.
2. **peers**: resiliparse ``extract_plain_text(html, main_content=True)`` and trafilatura
   ``extract(html, include_comments=False)`` on the HTML of a sample of the same pages (CPU
   seconds of this process), as *dump lines* per second: the lines of those pages in the
   corpus, i.e. the lines boilerkit cleans for the same pages (not the lines of the peers'
   output, which are fewer); and the ratios boilerkit / peer.
3. **jobs**: the same command with ``--jobs 2``: its speed over ``--jobs 1``'s (wall-clock),
   and whether it wrote the same bytes.
4. **memory**: the same command on ``--memory-lines`` lines: peak memory against the run on
   ``--lines`` lines (``ru_maxrss`` of each child process, from ``os.wait4``).
5. **labels**: the library (``iter_labelled_documents``) over every line of every
   ``lines*.jsonl.gz``: the Pipeline (``load_model``) on the reference path
   (``BOILERKIT_COMPILED=0``) against what ``apply`` predicts with on the compiled path (the
   compiled model, ``boilerkit.runtime.load_for_apply``): lines whose labels differ, each
   one named.
6. **start-up**: ``boilerkit --version``, ``boilerkit --help`` and ``boilerkit apply`` on the
   bundled example (``data/examples/news-dump.txt``, the bundled model), each run
   ``--start-up-runs`` times after one run that warms the disk caches: least and median wall
   seconds, against issue 22's 0.3 s, 0.3 s and 1.5 s.
7. **stages**: CPU µs per line of each stage (read, features, first pass, second pass, write)
   on the first ``--stage-lines`` lines of the corpus, reference path against compiled path,
   in this process, each stage run as ``BoilerplateModel.label_lines`` runs it; the least
   time of ``--stage-repeats`` passes.

The load average (1, 5, 15 minutes) is printed beside every figure: the benchmark machine is
shared, and wall-clock seconds grow with whatever else runs; CPU seconds much less.  The
report goes to standard output, progress to standard error.

Usage::

    python benchmarks/speed.py > benchmarks/results/speed.txt    # everything: 2M and 8M lines
    python benchmarks/speed.py --quick                           # a try-out in a few minutes
    python benchmarks/speed.py --sections labels,stages          # some sections
    BOILERKIT_COMPILED=0 python benchmarks/speed.py --sections cli,jobs   # the CLI on the reference path
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's boilerkit importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import orjson
from threadpoolctl import threadpool_limits

from boilerkit.apply import BATCH_LINES, PREDICT_THREADS, LabelledDocument, batches, iter_labelled_documents, write_jsonl
from boilerkit.compiled import ENV_VAR, use_compiled
from boilerkit.features import as_rows
from boilerkit.io import Document, documents_of_files
from boilerkit.layout import features_of_rows, logical_rows, physical_probabilities
from boilerkit.model import BoilerplateModel, default_model_path, load_model, read_card, sha256_of
from boilerkit.runtime import load_for_apply
from boilerkit.stacking import pass_proba

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data"
LINES_FILES = ("lines.jsonl.gz", "lines-wcxb.jsonl.gz", "lines-fundus.jsonl.gz")
PAGES_FILES = ("pages.jsonl.gz", "pages-wcxb.jsonl.gz", "pages-fundus.jsonl.gz")
SECTIONS = ("cli", "peers", "jobs", "memory", "labels", "start-up", "stages")
# Sections that compare with the one-process CLI run, which then runs first.
NEEDS_ONE_PROCESS = {"cli", "peers", "jobs", "memory"}

# The pages in a fixed shuffled order: any slice of the corpus (the stages' first lines, the
# peers' first pages) mixes the datasets instead of holding the first file only.
PAGE_ORDER_SEED = 0
# Pages the peers run on: the first of the shuffled order.  trafilatura does ~30-70 pages per
# CPU second (benchmarks/peers.py), so 300 pages take 5-10 s.
PEER_PAGES = 300
# A peer runs over its sample again until it has used this much CPU: resiliparse does the
# 300 pages in a fraction of a second, too short for a steady figure.
MIN_PEER_CPU_SECONDS = 3.0
# Lines of the corpus the stage table is measured on (two batches of apply).
STAGE_LINES = 200_000
# Passes over those lines, the two paths going first in turn; each stage's least time is
# kept (as timeit does).  On the shared 2-core machine (load 4-5), one pass of one batch with
# the reference first gave the layout 8.4 us a line on the reference path and 3.4 on the
# compiled path, the same code; with 4 passes in alternating order 2.85 and 2.89.
STAGE_REPEATS = 4
# Lines whose labels differ that the report lists one by one (all are counted).
MAX_LISTED_DIFFERENCES = 50

# Issue 22's targets.
TARGET_LINES_PER_SECOND = 250_000
TARGET_OVER_RESILIPARSE = 2.0
TARGET_OVER_TRAFILATURA = 100.0
TARGET_JOBS_SCALING = 1.8
TARGET_MEMORY_GROWTH = 0.20

# --quick: every section, on inputs small enough for a try-out on a busy machine.
QUICK = {"lines": 100_000, "memory_lines": 400_000, "peer_pages": 40, "label_lines": 20_000, "stage_lines": 20_000}
MB = 1024 * 1024


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Load:
    """The load average when a figure was taken."""

    one: float
    five: float
    fifteen: float

    @classmethod
    def now(cls) -> Load:
        return cls(*os.getloadavg())

    def __str__(self) -> str:
        return f"load {self.one:.2f} {self.five:.2f} {self.fifteen:.2f}"


# ----------------------------------------------------------------------------------- input


@dataclass(frozen=True)
class Page:
    id: str
    lines: list[str]


@dataclass(frozen=True)
class Corpus:
    path: Path
    documents: int
    lines: int
    bytes: int


def read_pages(data_dir: Path) -> list[Page]:
    """Every page of the lines files of ``data_dir``, in a fixed shuffled order."""
    pages = []
    for name in LINES_FILES:
        with gzip.open(data_dir / name, "rb") as stream:
            pages.extend(Page(record["id"], record["lines"]) for record in map(orjson.loads, stream))
    random.Random(PAGE_ORDER_SEED).shuffle(pages)
    return pages


def corpus_records(pages: list[Page], min_lines: int) -> Iterator[dict]:
    """``pages`` repeated, in order, as ``{"id", "lines"}`` records until they hold at least
    ``min_lines`` lines; ``#k`` after an id marks its k-th copy."""
    if not any(page.lines for page in pages):
        raise ValueError("no page has a line: nothing to repeat")
    lines = 0
    for copy in itertools.count():
        for page in pages:
            if lines >= min_lines:
                return
            yield {"id": f"{page.id}#{copy}", "lines": page.lines}
            lines += len(page.lines)


def write_corpus(pages: list[Page], min_lines: int, path: Path) -> Corpus:
    documents = lines = 0
    with open(path, "wb") as out:
        for record in corpus_records(pages, min_lines):
            out.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
            documents += 1
            lines += len(record["lines"])
    return Corpus(path, documents, lines, path.stat().st_size)


# ------------------------------------------------------------------------------- CLI runs


@dataclass(frozen=True)
class CliRun:
    """One ``boilerkit apply`` child process: its lines, wall and CPU seconds (user + system,
    its worker processes included), peak resident memory (its processes together, see
    :data:`USAGE_OF_CHILD`) and output checksum."""

    name: str
    lines: int
    wall: float
    cpu: float
    max_rss_mb: float
    output_sha256: str
    load: Load

    @property
    def per_second(self) -> float:
        return self.lines / self.wall

    @property
    def per_cpu_second(self) -> float:
        return self.lines / max(self.cpu, 1e-9)


def apply_command(corpus: Path, output: Path, model: Path | None, jobs: int = 1) -> list[str]:
    """``boilerkit apply CORPUS -f jsonl -o OUTPUT``, run as ``python -m boilerkit.cli`` so
    that the child imports boilerkit from this tree (see :func:`child_environment`)."""
    command = [sys.executable, "-m", "boilerkit.cli", "apply", str(corpus), "-f", "jsonl", "-o", str(output)]
    if model is not None:
        command += ["-m", str(model)]
    if jobs != 1:
        command += ["--jobs", str(jobs)]
    return command


def child_environment() -> dict[str, str]:
    paths = [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


# Runs the command given after a file name and writes the command's exit code, CPU seconds
# and peak memory to that file: the largest of the command's own peak (ru_maxrss: of one
# process, the largest of its children's at most) and of its whole process tree's resident
# memory sampled every 0.1 s (with --jobs N, the main process and its N workers together).  The benchmark starts the CLI through it: Linux keeps a
# process's largest resident size across exec, and a child forked straight from this
# benchmark starts with this benchmark's pages (its corpus, the peers' HTML) in its count:
# an 8M-line run measured 871 MB that way and 594 MB through this small process.
USAGE_OF_CHILD = """
import json, os, subprocess, sys, time

def tree_rss_kb(pid):
    # resident kB of pid and all its descendants (--jobs N: the worker processes), Linux /proc
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as children:
                    stack += [int(child) for child in children.read().split()]
        except (OSError, ValueError):
            pass
    return total

process = subprocess.Popen(sys.argv[2:])
tree_peak = 0
while True:
    pid, status, usage = os.wait4(process.pid, os.WNOHANG)
    if pid:
        break
    tree_peak = max(tree_peak, tree_rss_kb(process.pid))
    time.sleep(0.1)
with open(sys.argv[1], "w") as out:
    json.dump({"exit": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime,
               "max_rss_kb": max(usage.ru_maxrss, tree_peak)}, out)
"""


def usage_of_child(command: list[str], usage_file: Path) -> dict:
    """Exit code, CPU seconds (``cpu``) and peak resident kB (``max_rss_kb``) of ``command``,
    run from this checkout through :data:`USAGE_OF_CHILD`."""
    subprocess.run([sys.executable, "-c", USAGE_OF_CHILD, str(usage_file), *command], cwd=ROOT,
                   env=child_environment(), check=True)
    try:
        return json.loads(usage_file.read_text(encoding="utf-8"))
    finally:
        usage_file.unlink()


def run_cli(name: str, corpus: Corpus, model: Path | None, workdir: Path, jobs: int = 1) -> CliRun:
    """Run ``boilerkit apply`` on ``corpus`` in a fresh child process; its output is checksummed
    and deleted (8M lines of JSONL output are a few GB)."""
    output = workdir / "out.jsonl"
    progress(f"{name}: {corpus.lines:,} lines ...")
    started = time.perf_counter()
    usage = usage_of_child(apply_command(corpus.path, output, model, jobs), workdir / "usage.json")
    wall = time.perf_counter() - started
    load = Load.now()
    if usage["exit"]:
        raise RuntimeError(f"{name}: boilerkit apply exited with {usage['exit']}")
    checksum = sha256_of(output)
    output.unlink()
    # ru_maxrss (kB on Linux) is the largest single process among the child and the workers
    # it waited for, not their sum.
    run = CliRun(name, corpus.lines, wall, usage["cpu"], usage["max_rss_kb"] / 1024, checksum, load)
    progress(f"{name}: {run.per_second:,.0f} lines/s, {run.wall:.1f} s, {run.max_rss_mb:.0f} MB; {load}")
    return run


@dataclass(frozen=True)
class Scaling:
    one: CliRun
    many: CliRun
    jobs: int

    @property
    def ratio(self) -> float:
        return self.many.per_second / self.one.per_second

    @property
    def same_output(self) -> bool:
        return self.one.output_sha256 == self.many.output_sha256


@dataclass(frozen=True)
class MemoryGrowth:
    small: CliRun
    large: CliRun

    @property
    def growth(self) -> float:
        return self.large.max_rss_mb / self.small.max_rss_mb - 1


def measure_start_up(pages: list[Page], model: Path | None, workdir: Path) -> list[CliRun]:
    """The same command on one page, twice: what every CLI figure pays once (imports, the
    model).  The first run also compiles the kernels if numba's cache has none for this tree
    (a new checkout); the second is the start-up of every later run."""
    one_page = write_corpus(pages[:1], 1, workdir / "one-page.jsonl")
    return [run_cli("start-up: CLI on one page, first run", one_page, model, workdir),
            run_cli("start-up: CLI on one page, again", one_page, model, workdir)]


# Issue 22's start-up bars: the command after `boilerkit`, and its most wall seconds.
START_UP_COMMANDS = (("--version", 0.3), ("--help", 0.3), ("apply data/examples/news-dump.txt", 1.5))


@dataclass(frozen=True)
class StartUp:
    command: str
    seconds: list[float]
    target: float
    load: Load


def measure_commands(runs: int) -> list[StartUp]:
    """Each start-up command, once to warm the disk caches and then ``runs`` times: the
    wall seconds of each run, output to /dev/null, from the repository's root (the bundled
    example's path is relative to it)."""
    measured = []
    for arguments, target in START_UP_COMMANDS:
        command = [sys.executable, "-m", "boilerkit.cli", *arguments.split()]
        progress(f"start-up: boilerkit {arguments} ...")
        seconds = []
        for run in range(runs + 1):
            started = time.perf_counter()
            subprocess.run(command, cwd=ROOT, env=child_environment(), stdout=subprocess.DEVNULL, check=True)
            if run:
                seconds.append(time.perf_counter() - started)
        measured.append(StartUp(arguments, seconds, target, Load.now()))
    return measured


def report_start_up(measured: list[StartUp]) -> tuple[str, list[Check]]:
    text = "\n".join([
        "## 6. Start-up (wall seconds, warm disk caches)",
        "",
        table(["command", "runs", "least s", "median s", "target s", "load average"],
              [[f"`boilerkit {m.command}`", str(len(m.seconds)), f"{min(m.seconds):.2f}",
                f"{statistics.median(m.seconds):.2f}", f"<= {m.target}", str(m.load)] for m in measured]),
        "",
        "Each command runs as `python -m boilerkit.cli ...` (what the `boilerkit` script runs), from the"
        " repository's root, its output to /dev/null; the median is what the target is checked against.",
    ])
    checks = [Check(f"start-up: boilerkit {m.command}", f"{statistics.median(m.seconds):.2f} s", f"<= {m.target} s",
                    statistics.median(m.seconds) <= m.target, m.load) for m in measured]
    return text, checks


def measure_memory(pages: list[Page], small: CliRun, memory_lines: int, model: Path | None,
                   workdir: Path) -> MemoryGrowth:
    progress(f"writing the memory corpus of {memory_lines:,} lines ...")
    large_corpus = write_corpus(pages, memory_lines, workdir / "corpus-large.jsonl")
    try:
        large = run_cli("CLI --jobs 1, large corpus", large_corpus, model, workdir)
    finally:
        large_corpus.path.unlink()
    return MemoryGrowth(small, large)


# ---------------------------------------------------------------------------------- peers


def resiliparse_main_content(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return extract_plain_text(html, main_content=True)


def trafilatura_without_comments(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


# name in the report -> the call timed, on a page's HTML
PEERS = {
    "resiliparse extract_plain_text(main_content=True)": resiliparse_main_content,
    "trafilatura extract(include_comments=False)": trafilatura_without_comments,
}


@dataclass(frozen=True)
class PeerRun:
    """A peer over the HTML of the sample pages, ``rounds`` times: dump lines are the lines
    of those pages in the corpus (what boilerkit cleans for them), output lines the peer's."""

    name: str
    pages: int
    rounds: int
    dump_lines: int
    output_lines: int
    cpu: float
    load: Load

    @property
    def per_cpu_second(self) -> float:
        return self.rounds * self.dump_lines / self.cpu


def html_of_pages(data_dir: Path, ids: set[str]) -> dict[str, str]:
    found = {}
    for name in PAGES_FILES:
        with gzip.open(data_dir / name, "rb") as stream:
            for line in stream:
                record = orjson.loads(line)
                if record["id"] in ids:
                    found[record["id"]] = record["html"]
    return found


def time_peer(name: str, extract, sample: list[Page], html: dict[str, str]) -> PeerRun:
    """CPU seconds of ``extract`` over the sample's HTML, run again until it has used
    :data:`MIN_PEER_CPU_SECONDS`."""
    progress(f"peer {name} on {len(sample)} pages ...")
    output_lines = rounds = 0
    started = time.process_time()
    while rounds == 0 or time.process_time() - started < MIN_PEER_CPU_SECONDS:
        texts = [extract(html[page.id]) for page in sample]
        output_lines = sum(len(text.splitlines()) for text in texts)
        rounds += 1
    cpu = time.process_time() - started
    return PeerRun(name, len(sample), rounds, sum(len(page.lines) for page in sample), output_lines, cpu, Load.now())


def time_library_on_pages(model: BoilerplateModel, sample: list[Page]) -> PeerRun:
    """boilerkit in this process on the same sample pages' dump lines (no JSON, no files)."""
    progress(f"boilerkit library on {len(sample)} pages ...")
    documents = [Document(page.lines, page.id) for page in sample]
    with threadpool_limits(PREDICT_THREADS, user_api="openmp"):
        model.label_lines(as_rows(documents[0].lines))  # warm-up: the compiled kernels load
        started = time.process_time()
        list(iter_labelled_documents(model, documents))
        cpu = time.process_time() - started
    lines = sum(len(page.lines) for page in sample)
    return PeerRun("boilerkit, library, same pages", len(sample), 1, lines, lines, cpu, Load.now())


def measure_peers(pages: list[Page], data_dir: Path, count: int, model: BoilerplateModel) -> list[PeerRun]:
    """The peers, then boilerkit in this process, on the first ``count`` pages that have HTML."""
    progress("reading the HTML of the sample pages ...")
    html = html_of_pages(data_dir, {page.id for page in pages[: 2 * count]})
    sample = [page for page in pages if page.id in html][:count]
    runs = [time_peer(name, extract, sample, html) for name, extract in PEERS.items()]
    return [*runs, time_library_on_pages(model, sample)]


# --------------------------------------------------------------------------------- labels


@contextmanager
def compiled_path(on: bool) -> Iterator[None]:
    """Predict on the compiled path (``on``) or the reference path, through the environment
    variable that every part of boilerkit reads (:func:`boilerkit.compiled.use_compiled`)."""
    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = "1" if on else "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ[ENV_VAR]
        else:
            os.environ[ENV_VAR] = before


@dataclass(frozen=True)
class Difference:
    file: str
    document: str
    line: int  # from 1
    text: str
    reference: tuple[int, float]  # label, probability
    compiled: tuple[int, float]


@dataclass
class LabelComparison:
    lines: int = 0
    documents: int = 0
    differences: list[Difference] = field(default_factory=list)
    max_probability_difference: float = 0.0
    reference_cpu: float = 0.0
    compiled_cpu: float = 0.0
    load: Load | None = None


def documents_of_lines_file(path: Path, max_lines: int | None) -> list[Document]:
    documents, lines = [], 0
    with gzip.open(path, "rb") as stream:
        for record in map(orjson.loads, stream):
            if max_lines is not None and lines >= max_lines:
                break
            documents.append(Document(record["lines"], record["id"]))
            lines += len(record["lines"])
    return documents


def labelled(model: BoilerplateModel, documents: list[Document], compiled: bool) -> tuple[list, float]:
    """Labels and probabilities of every document, as ``apply`` makes them, and the CPU seconds."""
    with compiled_path(compiled):
        started = time.process_time()
        results = list(iter_labelled_documents(model, documents))
        return results, time.process_time() - started


def compare_labels(model: BoilerplateModel, apply_model, data_dir: Path, max_lines: int | None) -> LabelComparison:
    """Every line of every lines file (or the first ``max_lines`` of each), labelled on both
    paths: ``model`` (the Pipeline) on the reference one, ``apply_model`` (what ``apply``
    loads) on the compiled one."""
    comparison = LabelComparison()
    for name in LINES_FILES:
        documents = documents_of_lines_file(data_dir / name, max_lines)
        progress(f"labels of {name}: {sum(len(d.lines) for d in documents):,} lines, reference then compiled ...")
        reference, seconds = labelled(model, documents, compiled=False)
        comparison.reference_cpu += seconds
        compiled, seconds = labelled(apply_model, documents, compiled=True)
        comparison.compiled_cpu += seconds
        for document, ref, comp in zip(documents, reference, compiled):
            comparison.documents += 1
            comparison.lines += len(document.lines)
            if len(ref.scores):
                gap = float(np.max(np.abs(ref.scores - comp.scores)))
                comparison.max_probability_difference = max(comparison.max_probability_difference, gap)
            for i in np.flatnonzero(ref.labels != comp.labels).tolist():
                comparison.differences.append(Difference(
                    name, document.source, i + 1, document.lines[i],
                    (int(ref.labels[i]), float(ref.scores[i])), (int(comp.labels[i]), float(comp.scores[i])),
                ))
    comparison.load = Load.now()
    return comparison


# --------------------------------------------------------------------------------- stages

# The stages of apply, grouped under issue 22's five (read, features, first pass, second
# pass, write); report_stages says what each holds.
STAGES = (
    "read",
    "features: layout",
    "features: line features",
    "first pass",
    "second pass: neighbourhood",
    "second pass: trees",
    "write",
)


class Stopwatch:
    """CPU seconds per stage: ``with stopwatch("read"): ...`` adds the block's time to it."""

    def __init__(self):
        self.seconds = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.process_time()
        try:
            yield
        finally:
            self.seconds[stage] += time.process_time() - started


def content_probability_in_stages(model: BoilerplateModel, rows, stopwatch: Stopwatch) -> np.ndarray:
    """``model.content_probability(rows)``, each stage timed on its own: the steps of
    ``BoilerplateModel.predict_proba`` and ``SequenceStacker.predict_proba``, in their order
    (``tests/test_benchmark_speed.py`` checks that the probabilities are the same)."""
    classifier = model.steps[-1][1].estimator_
    with stopwatch("features: layout"):
        layout = logical_rows(rows)
    with stopwatch("features: line features"):
        X = features_of_rows(layout, model.steps[0][1].features_of)
    if len(X) == 0:
        p = np.zeros((0, 2))
    elif hasattr(classifier, "first_pass_proba"):
        with stopwatch("first pass"):
            p1 = classifier.first_pass_proba(X)
        with stopwatch("second pass: neighbourhood"):
            columns = classifier.neighbourhood_columns(X, p1)
        with stopwatch("second pass: trees"):
            p = pass_proba(classifier.second_, X, columns)
    else:  # a one-pass model: its trees are the first pass
        with stopwatch("first pass"):
            p = pass_proba(classifier, X)
    with stopwatch("write"):
        return physical_probabilities(layout, p)[:, 1]


@dataclass(frozen=True)
class StageTimes:
    lines: int
    seconds: dict[str, float]
    load: Load

    def micros_per_line(self, stage: str) -> float:
        """CPU µs per line of ``stage``, or of all of them for ``"total"``."""
        seconds = sum(self.seconds.values()) if stage == "total" else self.seconds[stage]
        return 1e6 * seconds / self.lines


def warm_up(model: BoilerplateModel, corpus: Path, lines: int) -> None:
    """Label the first batch of the corpus once, untimed: numba loads the compiled kernels
    from its cache on the first call, and the first batch of a process grows its heap (page
    faults: after a warm-up of 2,000 lines only, the layout of the path timed first took 5.9
    µs a line against 3.2 for the same code on the other path).  The CLI figures include
    both costs."""
    documents = next(batches(documents_of_files([str(corpus)]), lines))
    model.label_lines(as_rows(doc.lines for doc in documents))


def label_batch_in_stages(model: BoilerplateModel, documents: Iterator[Document], max_lines: int,
                          stopwatch: Stopwatch, out) -> int:
    """Read the next batch of at most ``max_lines`` lines, label it and write it as
    ``apply -f jsonl`` does, each stage timed; the lines done (0 at the end of the input)."""
    with stopwatch("read"):
        batch = next(batches(documents, min(BATCH_LINES, max_lines)), None)
        if batch is None:
            return 0
        rows = as_rows(doc.lines for doc in batch)
    scores = content_probability_in_stages(model, rows, stopwatch)
    with stopwatch("write"):
        labels = (scores >= model.threshold).astype(np.int8)
        bounds = np.cumsum([0] + [len(doc.lines) for doc in batch])
        for doc, start, end in zip(batch, bounds[:-1], bounds[1:]):
            write_jsonl(LabelledDocument(doc, labels[start:end], scores[start:end]), out)
    return len(rows)


PATHS = (False, True)  # reference, compiled


def stages_once(model: BoilerplateModel, corpus: Path, max_lines: int, workdir: Path,
                order: tuple[bool, ...]) -> tuple[int, dict]:
    """One pass over the first ``max_lines`` lines of the corpus on both paths, which take
    turns batch by batch in ``order``, each reading the corpus on its own: the lines, and a
    :class:`Stopwatch` per path."""
    stopwatches = {path: Stopwatch() for path in PATHS}
    readers = {path: documents_of_files([str(corpus)]) for path in PATHS}
    lines = 0
    with ExitStack() as files:
        streams = {path: files.enter_context(open(workdir / f"stages-{path}.jsonl", "w", encoding="utf-8"))
                   for path in PATHS}
        while lines < max_lines:
            for path in order:  # the same batch on each path: both readers are at the same place
                with compiled_path(path):
                    done = label_batch_in_stages(model, readers[path], max_lines - lines,
                                                 stopwatches[path], streams[path])
            if not done:
                break
            lines += done
    for path in PATHS:
        (workdir / f"stages-{path}.jsonl").unlink()
    return lines, stopwatches


def time_stages(model: BoilerplateModel, corpus: Path, max_lines: int, workdir: Path,
                repeats: int = STAGE_REPEATS) -> dict[bool, StageTimes]:
    """CPU seconds of each stage of ``apply -f jsonl`` over the first ``max_lines`` lines of
    the corpus, on the reference path (False) and the compiled path (True): the least of
    ``repeats`` passes for each stage (what else runs on the machine only adds time)."""
    progress(f"stages, reference and compiled path in turn, {max_lines:,} lines x {repeats} ...")
    with threadpool_limits(PREDICT_THREADS, user_api="openmp"):
        for path in PATHS:
            with compiled_path(path):
                warm_up(model, corpus, min(BATCH_LINES, max_lines))
        # each path goes first in every other pass
        orders = [PATHS if i % 2 == 0 else PATHS[::-1] for i in range(repeats)]
        passes = [stages_once(model, corpus, max_lines, workdir, order) for order in orders]
    lines = passes[0][0]
    load = Load.now()
    return {path: StageTimes(lines, {stage: min(watches[path].seconds[stage] for _, watches in passes)
                                     for stage in STAGES}, load)
            for path in PATHS}


# --------------------------------------------------------------------------------- report


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, columns padded to their widest cell, numbers right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]

    def line(cells) -> str:
        padded = [cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 1) + (":" if i else "-") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *(line(row) for row in rows)])


@dataclass(frozen=True)
class Check:
    """One of issue 22's "Must show" figures, against its target."""

    figure: str
    measured: str
    target: str
    met: bool
    load: Load


def cli_rows(runs: list[CliRun]) -> str:
    return table(
        ["run", "lines", "wall s", "CPU s", "lines/s wall", "lines/s CPU", "peak MB", "load average"],
        [[run.name, f"{run.lines:,}", f"{run.wall:.1f}", f"{run.cpu:.1f}", f"{run.per_second:,.0f}",
          f"{run.per_cpu_second:,.0f}", f"{run.max_rss_mb:,.0f}", str(run.load)] for run in runs],
    )


def report_one_process(start_up: list[CliRun], one: CliRun) -> tuple[str, list[Check]]:
    warm = start_up[-1]
    steady = (f"Without the start-up ({warm.wall:.1f} s wall): {one.lines / (one.wall - warm.wall):,.0f} lines/s."
              if one.wall > warm.wall else "The start-up takes as long as the whole run: the corpus is too small.")
    text = "\n".join([
        "## 1. One process: `boilerkit apply corpus.jsonl -f jsonl -o out.jsonl`",
        "",
        cli_rows([*start_up, one]),
        "",
        steady,
    ])
    check = Check("one process, lines/s wall (CPU)", f"{one.per_second:,.0f} ({one.per_cpu_second:,.0f})",
                  f">= {TARGET_LINES_PER_SECOND:,}",
                  one.per_second >= TARGET_LINES_PER_SECOND, one.load)
    return text, [check]


def report_peers(one: CliRun, runs: list[PeerRun]) -> tuple[str, list[Check]]:
    *peers, library = runs
    targets = [TARGET_OVER_RESILIPARSE, TARGET_OVER_TRAFILATURA]
    rows = [[run.name, f"{run.pages} x {run.rounds}", f"{run.dump_lines:,}", f"{run.output_lines:,}", f"{run.cpu:.2f}",
             f"{run.per_cpu_second:,.0f}", f"{one.per_cpu_second / run.per_cpu_second:,.2f}x", f">= {target:g}x",
             str(run.load)] for run, target in zip(peers, targets)]
    rows.append([library.name, f"{library.pages} x 1", f"{library.dump_lines:,}", "", f"{library.cpu:.2f}",
                 f"{library.per_cpu_second:,.0f}", f"{one.per_cpu_second / library.per_cpu_second:,.2f}x", "",
                 str(library.load)])
    text = "\n".join([
        "## 2. Peers on the same pages (CPU seconds of one process)",
        "",
        f"The peers run on the HTML of {peers[0].pages} of the corpus's pages, again until"
        f" {MIN_PEER_CPU_SECONDS:g} CPU s (pages x rounds). Their speed is in *dump lines*: the lines of those"
        " pages in the corpus, which boilerkit cleans for the same pages (output lines: the lines of the peer's"
        " text, in one round). The ratio divides"
        f" the CLI's lines per CPU second ({one.per_cpu_second:,.0f}, section 1: JSON in and out, start-up included)"
        " by each row's; the last row is boilerkit's library on the same dump lines, in this process.",
        "",
        table(["extractor", "pages x rounds", "dump lines", "output lines", "CPU s", "dump lines/s CPU",
               "boilerkit CLI / this", "target", "load average"], rows),
    ])
    checks = [Check(f"boilerkit / {run.name.split()[0]}", f"{one.per_cpu_second / run.per_cpu_second:,.2f}x",
                    f">= {target:g}x", one.per_cpu_second / run.per_cpu_second >= target, run.load)
              for run, target in zip(peers, targets)]
    return text, checks


def report_jobs(scaling: Scaling) -> tuple[str, list[Check]]:
    text = "\n".join([
        f"## 3. `--jobs {scaling.jobs}` against `--jobs 1` (wall-clock)",
        "",
        cli_rows([scaling.one, scaling.many]),
        "",
        f"`--jobs {scaling.jobs}` is {scaling.ratio:.2f}x `--jobs 1` (target >= {TARGET_JOBS_SCALING}x); "
        f"same output bytes: {'yes' if scaling.same_output else 'NO'}.",
    ])
    check = Check(f"--jobs {scaling.jobs} / --jobs 1", f"{scaling.ratio:.2f}x", f">= {TARGET_JOBS_SCALING}x",
                  scaling.ratio >= TARGET_JOBS_SCALING and scaling.same_output, scaling.many.load)
    return text, [check]


def report_memory(memory: MemoryGrowth) -> tuple[str, list[Check]]:
    factor = memory.large.lines / memory.small.lines
    text = "\n".join([
        "## 4. Peak memory against the input's size (`--jobs 1`, max RSS of the child process)",
        "",
        cli_rows([memory.small, memory.large]),
        "",
        f"{memory.small.max_rss_mb:,.0f} MB -> {memory.large.max_rss_mb:,.0f} MB: {100 * memory.growth:+.1f}%"
        f" for {factor:.1f}x the lines (target: within {100 * TARGET_MEMORY_GROWTH:.0f}%).",
    ])
    within = abs(memory.growth) <= TARGET_MEMORY_GROWTH
    check = Check(f"peak memory, {factor:.1f}x the lines", f"{100 * memory.growth:+.1f}%",
                  f"within {100 * TARGET_MEMORY_GROWTH:.0f}%", within, memory.large.load)
    return text, [check]


def report_labels(comparison: LabelComparison, capped: int | None, apply_model: str) -> tuple[str, list[Check]]:
    differing = len(comparison.differences)
    scope = f"the first {capped:,} lines of each of" if capped is not None else "every line of"
    lines = [
        "## 5. Labels: compiled path against the reference path",
        "",
        f"{scope} {', '.join(LINES_FILES)}: {comparison.documents:,} pages, {comparison.lines:,} lines, labelled by"
        f" the library as `apply` labels them: the Pipeline with {ENV_VAR}=0, and with =1 what `apply` loads"
        f" ({apply_model}) ({comparison.load}).",
        "",
        f"- lines whose label differs: **{differing}**",
        f"- largest difference of a content probability: {comparison.max_probability_difference:.3g}",
        f"- CPU s: reference {comparison.reference_cpu:.1f} ({comparison.lines / comparison.reference_cpu:,.0f} lines/s),"
        f" compiled {comparison.compiled_cpu:.1f} ({comparison.lines / comparison.compiled_cpu:,.0f} lines/s)",
    ]
    if differing:
        lines += ["", table(
            ["file", "page", "line", "reference label, p", "compiled label, p", "text"],
            [[d.file, d.document, str(d.line), f"{d.reference[0]}, {d.reference[1]:.6f}",
              f"{d.compiled[0]}, {d.compiled[1]:.6f}", repr(d.text[:60])]
             for d in comparison.differences[:MAX_LISTED_DIFFERENCES]],
        )]
        if differing > MAX_LISTED_DIFFERENCES:
            lines.append(f"(and {differing - MAX_LISTED_DIFFERENCES} more)")
    check = Check(f"lines labelled differently ({comparison.lines:,} lines)", str(differing), "0", differing == 0,
                  comparison.load)
    return "\n".join(lines), [check]


def report_stages(reference: StageTimes, compiled: StageTimes, repeats: int) -> tuple[str, list[Check]]:
    rows = []
    for stage in [*STAGES, "total"]:
        before, after = reference.micros_per_line(stage), compiled.micros_per_line(stage)
        speed_up = f"{before / after:.1f}x" if after > 0 else ""
        rows.append([stage, f"{before:.2f}", f"{after:.2f}", speed_up])
    text = "\n".join([
        "## 7. CPU µs per line per stage, reference path against compiled path",
        "",
        f"The first {reference.lines:,} lines of the corpus, in this process, after a warm-up, in batches as"
        f" `apply -f jsonl` makes them; the two paths take turns batch by batch, each going first in every"
        f" other pass; each stage's least time of {repeats} passes ({compiled.load} at the end).",
        "",
        table(["stage", "reference µs/line", "compiled µs/line", "speed-up"], rows),
        "",
        "read: JSONL records to rows; features: layout: the logical lines (blank lines out, wrapped paragraphs"
        " joined); second pass: neighbourhood: the first pass's probabilities around each line; write: each"
        " physical line's probability, the threshold and the JSONL records.",
    ])
    return text, []


def report_summary(checks: list[Check]) -> str:
    return "\n".join([
        "## Summary: issue 22's \"Must show\"",
        "",
        table(["figure", "measured", "target", "met", "load average"],
              [[c.figure, c.measured, c.target, "yes" if c.met else "NO", str(c.load)] for c in checks]),
    ])


def boilerkit_of_children() -> Path:
    """Where the CLI's child processes import boilerkit from (this tree, unless it is broken)."""
    command = [sys.executable, "-c", "import boilerkit; print(boilerkit.__file__)"]
    printed = subprocess.run(command, cwd=ROOT, env=child_environment(), capture_output=True, text=True, check=True)
    return Path(printed.stdout.strip()).parent


def describe_kernels() -> str:
    """Which compiled kernels the CLI runs load: the ahead-of-time build, or numba's JIT."""
    code = "from boilerkit.compiled import ahead_of_time_module as a; m = a(); print(m.__file__ if m else '')"
    printed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_environment(), capture_output=True,
                             text=True, check=True).stdout.strip()
    return f"built ahead of time, {printed}" if printed else "numba's JIT (no ahead-of-time build of this source)"


def describe_model(model_path: Path | None) -> str:
    path = model_path or default_model_path()
    card = read_card(path) or {}
    return (f"{'bundled, ' if model_path is None else ''}{path} (sha256 {str(card.get('model_sha256', '?'))[:12]},"
            f" {card.get('classifier', '?')}, created {card.get('created', '?')})")


def describe_setup(model_path: Path | None, corpus: Corpus, pages: list[Page]) -> str:
    import boilerkit

    commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    compiled = use_compiled()
    page_lines = sum(len(page.lines) for page in pages)
    return "\n".join([
        f"# boilerkit speed benchmark, {time.strftime('%Y-%m-%d %H:%M:%S')}",
        "",
        f"- code: commit {commit}; boilerkit imported from {Path(boilerkit.__file__).parent},"
        f" by the CLI runs from {boilerkit_of_children()}",
        f"- model: {describe_model(model_path)}",
        f"- kernels: {describe_kernels()}",
        f"- path: {'compiled' if compiled else 'REFERENCE'} ({ENV_VAR}={os.environ.get(ENV_VAR, 'unset')};"
        " the CLI runs inherit it, sections 5 and 7 run both)",
        f"- machine: {os.cpu_count()} cores, {Load.now()} at the start; Python {sys.version.split()[0]}",
        f"- corpus: {corpus.path}: {corpus.documents:,} pages, {corpus.lines:,} lines, {corpus.bytes / MB:,.0f} MiB;"
        f" {len(pages):,} pages of {', '.join(LINES_FILES)} ({page_lines:,} lines) repeated",
    ])


def emit(text: str) -> None:
    print(text + "\n", flush=True)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="the shared data (lines*, pages*)")
    parser.add_argument("--model", type=Path, default=None, help="a saved model (default: the bundled one)")
    parser.add_argument("--lines", type=int, default=2_000_000, help="lines of the corpus")
    parser.add_argument("--memory-lines", type=int, default=8_000_000, help="lines of the large corpus (memory)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of the parallel run")
    parser.add_argument("--peer-pages", type=int, default=PEER_PAGES, help="pages the peers run on")
    parser.add_argument("--label-lines", type=int, default=None,
                        help="compare the labels on the first lines of each lines file only (default: all)")
    parser.add_argument("--stage-lines", type=int, default=STAGE_LINES, help="lines of the stage table")
    parser.add_argument("--start-up-runs", type=int, default=5, help="timed runs of each start-up command")
    parser.add_argument("--stage-repeats", type=int, default=STAGE_REPEATS,
                        help="passes of the stage table (the least time of each stage is kept)")
    quick = ", ".join(f"--{key.replace('_', '-')} {value}" for key, value in QUICK.items())
    parser.add_argument("--quick", action="store_true", help=f"a try-out: {quick}")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)}")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the corpus is written (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            if getattr(args, key) == parser.get_default(key):
                setattr(args, key, value)
    args.sections = set(args.sections.split(","))
    unknown = args.sections - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    sections = args.sections
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="boilerkit-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    progress(f"reading the pages of {args.data_dir} ...")
    pages = read_pages(args.data_dir)
    progress(f"writing the corpus of {args.lines:,} lines to {workdir} ...")
    corpus = write_corpus(pages, args.lines, workdir / "corpus.jsonl")
    model = load_model(args.model)
    emit(describe_setup(args.model, corpus, pages))
    checks: list[Check] = []

    def section(text_and_checks: tuple[str, list[Check]]) -> None:
        text, more = text_and_checks
        checks.extend(more)
        emit(text)

    one = None
    if sections & NEEDS_ONE_PROCESS:
        start_up = measure_start_up(pages, args.model, workdir)
        one = run_cli("CLI --jobs 1", corpus, args.model, workdir)
        section(report_one_process(start_up, one))
    if "peers" in sections:
        section(report_peers(one, measure_peers(pages, args.data_dir, args.peer_pages, model)))
    if "jobs" in sections:
        many = run_cli(f"CLI --jobs {args.jobs}", corpus, args.model, workdir, jobs=args.jobs)
        section(report_jobs(Scaling(one, many, args.jobs)))
    if "memory" in sections:
        section(report_memory(measure_memory(pages, one, args.memory_lines, args.model, workdir)))
    if "labels" in sections:
        with compiled_path(True):
            apply_model = load_for_apply(args.model)
        section(report_labels(compare_labels(model, apply_model, args.data_dir, args.label_lines), args.label_lines,
                              type(apply_model).__name__))
    if "start-up" in sections:
        section(report_start_up(measure_commands(args.start_up_runs)))
    if "stages" in sections:
        times = time_stages(model, corpus.path, args.stage_lines, workdir, args.stage_repeats)
        section(report_stages(times[False], times[True], args.stage_repeats))
    if checks:
        emit(report_summary(checks))
    if args.workdir is None:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    progress("done")


if __name__ == "__main__":
    main()
