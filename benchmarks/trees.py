"""The hot path of prediction, compiled (numba) against the reference (scikit-learn, numpy),
and the start-up time of the command line.

On the pages of ``lines.jsonl.gz`` (at least ``--lines`` lines; their features computed once,
not timed), one thread:

* **first pass**, **neighbourhood columns**, **second pass** and the **whole stacker**:
  microseconds per line, reference and compiled, CPU time (``time.process_time``: on a
  shared machine wall-clock time grows with whatever else runs) as the best of
  ``--repeats`` runs, and the largest probability difference between the two paths;
* **overhead per call** of the ``FixedThresholdClassifier`` around the stacker, on one row
  and on one page (the ``Pipeline`` adds the features, timed in ``benchmarks/speed.py``);
* **block sizes** (``--blocks``): the compiled trees with other ``trees.BLOCK_ROWS``;
* **node work** (``--node-work``): per line, the nodes the walk visits (one path per tree)
  against the nodes QuickScorer (Lucchese et al., SIGIR 2015) must visit: every node, in any
  tree and off any path, whose test the line fails (``x > threshold``), a masked AND each;
* **start-up**: ``boilerkit --version`` and ``--help`` (``python -m boilerkit.cli``, this
  checkout and any ``--startup-of`` checkout) and a bare ``python -c pass``: medians of
  ``--startup-runs`` runs, wall-clock and CPU seconds.

The load average is printed beside each figure.  The first compiled call of a process
loads the kernels from numba's disk cache (or compiles them, the very first time): it is
timed apart, not counted in the per-line figures.

Usage::

    python benchmarks/trees.py --data-dir ../shared/data
    python benchmarks/trees.py --data-dir ../shared/data --blocks 16,32,64,128,256,1024
    git archive 4405c82 | tar -x -C /tmp/before && python benchmarks/trees.py --startup-of /tmp/before
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's boilerkit importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from threadpoolctl import threadpool_limits

from boilerkit import trees
from boilerkit.features import as_rows
from boilerkit.model import load_model
from boilerkit.stacking import pass_proba

ROOT = Path(__file__).resolve().parents[1]
LINES_FILE = "lines.jsonl.gz"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def read_lines(data_dir: Path, min_lines: int) -> list[list[str]]:
    """Pages of ``lines.jsonl.gz``, repeated if needed, until there are ``min_lines`` lines."""
    with gzip.open(data_dir / LINES_FILE, "rt", encoding="utf-8") as stream:
        pages = [record["lines"] for record in map(json.loads, stream)]
    chosen, total = [], 0
    while total < min_lines:
        page = pages[len(chosen) % len(pages)]
        chosen.append(page)
        total += len(page)
    return chosen


def best_cpu_seconds(function, repeats: int):
    """The result of ``function()`` and its smallest CPU time over ``repeats`` runs."""
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.process_time()
        result = function()
        best = min(best, time.process_time() - started)
    return result, best


def per_line(seconds: float, lines: int) -> str:
    return f"{seconds / lines * 1e6:8.3f} us/line"


def compare(name: str, reference, compiled, lines: int, repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """Time both paths of one step and print a row: reference, compiled, speed-up, difference."""
    expected, reference_seconds = best_cpu_seconds(reference, repeats)
    got, compiled_seconds = best_cpu_seconds(compiled, repeats)
    difference = float(np.abs(np.asarray(got) - np.asarray(expected)).max()) if len(got) else 0.0
    print(f"{name:<24} reference {per_line(reference_seconds, lines)}   compiled {per_line(compiled_seconds, lines)}"
          f"   x{reference_seconds / compiled_seconds:5.1f}   max |difference| {difference:.3g}   {load_average()}",
          flush=True)
    return expected, got


def first_call_seconds(stacker, X) -> float:
    """Wall seconds of the first compiled prediction of this process: numba's import and the
    kernels loaded from its cache (or compiled)."""
    started = time.perf_counter()
    stacker.predict_proba(X[:10], compiled=True)
    return time.perf_counter() - started


def hot_path(model, X: np.ndarray, repeats: int) -> None:
    stacker = model.steps[-1][1].estimator_
    lines = len(X)
    print(f"first compiled call (numba import, kernels from the disk cache): {first_call_seconds(stacker, X):.2f} s")
    p1, _ = compare("first pass", lambda: stacker.first_pass_proba(X, compiled=False),
                    lambda: stacker.first_pass_proba(X, compiled=True), lines, repeats)
    columns, _ = compare("neighbourhood columns", lambda: stacker.neighbourhood_columns(X, p1, compiled=False),
                         lambda: stacker.neighbourhood_columns(X, p1, compiled=True), lines, repeats)
    compare("second pass", lambda: pass_proba(stacker.second_, X, columns, compiled=False)[:, 1],
            lambda: pass_proba(stacker.second_, X, columns, compiled=True)[:, 1], lines, repeats)
    expected, got = compare("whole stacker", lambda: stacker.predict_proba(X, compiled=False)[:, 1],
                            lambda: stacker.predict_proba(X, compiled=True)[:, 1], lines, repeats)
    threshold = model.threshold
    print(f"labels at the threshold {threshold}: {int(((got >= threshold) != (expected >= threshold)).sum())} "
          f"of {lines:,} differ")


def call_overhead(model, X: np.ndarray, page_lines: int, repeats: int) -> None:
    """CPU time per call of the stacker and of the FixedThresholdClassifier around it, on one
    row and on one page: their difference is the wrapper's cost.  The two are timed in turn,
    ``repeats`` times, the fastest of each counting (one after the other, the noise of a busy
    machine can be larger than the difference)."""
    thresholded = model.steps[-1][1]
    stacker = thresholded.estimator_
    for name, rows in (("one row", X[:1]), (f"one page ({page_lines} lines)", X[:page_lines])):
        calls = max(1, 20_000 // len(rows))
        bare = wrapped = float("inf")
        for _ in range(repeats):
            bare = min(bare, best_cpu_seconds(lambda: [stacker.predict_proba(rows) for _ in range(calls)], 1)[1])
            wrapped = min(wrapped, best_cpu_seconds(lambda: [thresholded.predict_proba(rows) for _ in range(calls)], 1)[1])
        print(f"{name:<24} stacker {bare / calls * 1e6:8.1f} us/call   FixedThresholdClassifier "
              f"{wrapped / calls * 1e6:8.1f} us/call   difference {(wrapped - bare) / calls * 1e6:6.1f} us/call   "
              f"{load_average()}", flush=True)


def block_sizes(model, X: np.ndarray, blocks: list[int], repeats: int) -> None:
    stacker = model.steps[-1][1].estimator_
    columns = stacker.neighbourhood_columns(X, stacker.first_pass_proba(X))
    default = trees.BLOCK_ROWS
    try:
        for rows in blocks:
            trees.BLOCK_ROWS = rows
            _, first = best_cpu_seconds(lambda: stacker.first_pass_proba(X, compiled=True), repeats)
            _, second = best_cpu_seconds(lambda: pass_proba(stacker.second_, X, columns, compiled=True), repeats)
            print(f"BLOCK_ROWS {rows:>6}: first pass {per_line(first, len(X))}   second pass "
                  f"{per_line(second, len(X))}   both {per_line(first + second, len(X))}   {load_average()}",
                  flush=True)
    finally:
        trees.BLOCK_ROWS = default


def path_lengths(compiled: trees.CompiledTrees, rows: np.ndarray) -> np.ndarray:
    """Nodes visited per row, all trees together, walked as the kernel walks (no NaN here)."""
    visits = np.zeros(len(rows), dtype=np.int64)
    child = compiled.packed >> trees.FEATURE_BITS
    for root in compiled.roots:
        node = np.full(len(rows), root)
        moving = np.ones(len(rows), dtype=bool)
        while moving.any():
            visits += moving
            step = child[node] + (rows[np.arange(len(rows)), compiled.feature[node]] > compiled.threshold[node])
            moving = step != node
            node = step
        visits -= 1  # the leaf, where the walk stays, is not a test
    return visits


def node_work(model, X: np.ndarray) -> None:
    """The walk's work against QuickScorer's, per line, for both passes."""
    stacker = model.steps[-1][1].estimator_
    columns = stacker.neighbourhood_columns(X, stacker.first_pass_proba(X, compiled=True), compiled=True)
    for name, estimator, rows in (("first pass", stacker.first_, X),
                                  ("second pass", stacker.second_, np.hstack([X, columns]))):
        compiled = trees.compiled_trees(estimator)
        rows = np.asarray(rows, dtype=np.float64)
        tests = np.flatnonzero(~compiled.is_leaf)
        failed = (rows[:, compiled.feature[tests]] > compiled.threshold[tests]).sum(axis=1)
        print(f"{name:<12} {len(compiled.roots)} trees, {len(tests):,} tests: per line the walk makes "
              f"{path_lengths(compiled, rows).mean():,.0f} tests, QuickScorer {failed.mean():,.0f} masked ANDs "
              f"(+ {len(compiled.roots)} leaf lookups)", flush=True)


def startup_seconds(arguments: list[str], runs: int, checkout: Path) -> tuple[float, float]:
    """Median wall and CPU seconds (user + system) of ``python ARGUMENTS`` run from ``checkout``."""
    wall, cpu = [], []
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, *arguments], stdout=subprocess.DEVNULL, env=environment,
                                   cwd=checkout)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status):
            raise RuntimeError(f"python {' '.join(arguments)} failed")
        wall.append(time.perf_counter() - started)
        cpu.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def startup(runs: int, checkouts: list[Path]) -> None:
    """Start-up of a bare python, then of the command line of each checkout in turn."""
    wall, cpu = startup_seconds(["-c", "pass"], runs, ROOT)
    print(f"{'python -c pass':<40} {wall:6.3f} s wall, {cpu:6.3f} s CPU (medians of {runs})   {load_average()}")
    for checkout in checkouts:
        for option in ("--version", "--help"):
            wall, cpu = startup_seconds(["-m", "boilerkit.cli", option], runs, checkout)
            name = f"boilerkit {option} ({'this checkout' if checkout == ROOT else checkout})"
            print(f"{name:<40} {wall:6.3f} s wall, {cpu:6.3f} s CPU (medians of {runs})   {load_average()}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=None, help="default: the bundled model")
    parser.add_argument("--lines", type=int, default=200_000, help="at least this many lines (whole pages)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each step; the fastest counts")
    parser.add_argument("--blocks", default="", help="comma-separated BLOCK_ROWS to try (default: none)")
    parser.add_argument("--node-work", action="store_true", help="count the walk's and QuickScorer's node visits")
    parser.add_argument("--node-work-lines", type=int, default=20_000, help="lines --node-work counts on")
    parser.add_argument("--startup-runs", type=int, default=11)
    parser.add_argument("--startup-of", type=Path, action="append", default=[],
                        help="also time the start-up of this checkout (e.g. an export of an older commit)")
    args = parser.parse_args(argv)

    print(f"boilerkit compiled hot path, {time.strftime('%Y-%m-%d %H:%M:%S')}; {load_average()}")
    model = load_model(args.model)
    pages = read_lines(args.data_dir, args.lines)
    started = time.perf_counter()
    X = model[:-1].transform(as_rows(pages))
    print(f"model {args.model or 'bundled'}; {len(pages):,} pages of {LINES_FILE}, {len(X):,} lines "
          f"(features in {time.perf_counter() - started:.0f} s, not counted); one thread; CPU time, best of "
          f"{args.repeats}\n")
    with threadpool_limits(1, user_api="openmp"):
        hot_path(model, X, args.repeats)
        print()
        call_overhead(model, X, page_lines=len(pages[0]), repeats=args.repeats)
        if args.blocks:
            print()
            block_sizes(model, X, [int(rows) for rows in args.blocks.split(",")], args.repeats)
        if args.node_work:
            print()
            node_work(model, X[:args.node_work_lines])
    print()
    startup(args.startup_runs, [*args.startup_of, ROOT])


if __name__ == "__main__":
    main()
