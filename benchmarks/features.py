"""Feature extraction, compiled (numba, :mod:`boilerkit.compiled_features`) against the
reference (numpy and Python, :mod:`boilerkit.features`): microseconds per line.

On pages of the shared line files (``--docs`` of each of ``lines.jsonl.gz``,
``lines-wcxb.jsonl.gz`` and ``lines-fundus.jsonl.gz``: English, many languages, CJK), cut into
batches of about ``boilerkit.apply.BATCH_LINES`` lines as ``boilerkit apply`` cuts them, the
bundled model's ``LineFeatures.transform`` is timed

* **whole**: the transform as the model runs it;
* **by group**: the batch (stripping, markup, code points: what every feature reads), then
  the columns of each group of the registry (``features.LINE_FEATURES`` ...) in registry
  order; a group reuses what the groups before it computed, so each figure is what the group
  adds;

CPU time (``time.process_time``: on a shared machine wall-clock time grows with whatever
else runs), the best of ``--repeats`` runs, with the load average beside each figure.  The
kernels are loaded from numba's disk cache (or compiled) before timing.  Both paths give
the same matrix; the script checks it.

Usage::

    python benchmarks/features.py --data-dir ../shared/data
    python benchmarks/features.py --data-dir ../shared/data --docs 100 --repeats 3   # quick
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository's boilerkit importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from boilerkit import features
from boilerkit.apply import BATCH_LINES
from boilerkit.features import as_rows, batch_of, compute_features
from boilerkit.model import load_model

ROOT = Path(__file__).resolve().parents[1]
LINES_FILES = ("lines.jsonl.gz", "lines-wcxb.jsonl.gz", "lines-fundus.jsonl.gz")
GROUPS = {
    "line": features.LINE_FEATURES,
    "context": features.CONTEXT_FEATURES,
    "position": features.POSITION_FEATURES,
    "document": features.DOCUMENT_FEATURES,
    "lexical context": features.LEXICAL_CONTEXT_FEATURES,
    "shared words": features.SHARED_WORD_FEATURES,
    "distinct neighbours": features.DISTINCT_NEIGHBOUR_FEATURES,
    "cjk function": {"cjk_function_ratio": None},
    "layout": features.LAYOUT_FEATURES,
    "markup": features.MARKUP_FEATURES,
    "conventions": features.CONVENTION_FEATURES,
}
PATHS = {"reference": False, "compiled": True}


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def read_batches(data_dir: Path, docs: int) -> list[np.ndarray]:
    """The documents, as the model's input rows, in batches of about BATCH_LINES lines."""
    documents = []
    for name in LINES_FILES:
        with gzip.open(data_dir / name, "rt", encoding="utf-8") as stream:
            documents.extend(json.loads(line)["lines"] for line in itertools.islice(stream, docs))
    batches, batch, size = [], [], 0
    for lines in documents:
        batch.append(lines)
        size += len(lines)
        if size >= BATCH_LINES:
            batches.append(as_rows(batch))
            batch, size = [], 0
    if batch:
        batches.append(as_rows(batch))
    return batches


def best_cpu(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def by_group(batches, names, line_counts, token_weights, compiled: bool, word_rule: str) -> dict[str, float]:
    """CPU seconds of the batch and of each group's columns (what the group adds)."""
    seconds = dict.fromkeys(["batch", *GROUPS], 0.0)
    for rows in batches:
        started = time.process_time()
        batch = batch_of(rows, compiled)
        batch.use_word_rule(word_rule)
        batch.line_counts, batch.token_weights = line_counts, token_weights
        seconds["batch"] += time.process_time() - started
        matrix = np.empty((batch.n, len(names)), dtype=np.float32)
        for group, registry in GROUPS.items():
            started = time.process_time()
            for column, name in enumerate(names):
                if name in registry:
                    matrix[:, column] = batch.feature(name)
            seconds[group] += time.process_time() - started
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--docs", type=int, default=400, help="documents of each line file")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    model = load_model()
    transformer = model.steps[0][1]
    names = list(transformer.feature_names_)
    line_counts, token_weights = transformer.line_counts_, transformer.token_weights_
    word_rule = transformer.word_rule
    batches = read_batches(args.data_dir, args.docs)
    n_lines = sum(len(rows) for rows in batches)
    print(f"boilerkit feature extraction, {time.strftime('%Y-%m-%d %H:%M:%S')}; {load_average()}")
    print(f"input: {args.docs} documents of each of {', '.join(LINES_FILES)}: {n_lines:,} lines in "
          f"{len(batches)} batches; the bundled model's {len(names)} columns; CPU us per line, best of {args.repeats}")

    def transform(compiled: bool):
        return [compute_features(rows, names, line_counts, token_weights, compiled=compiled, word_rule=word_rule)
                for rows in batches]

    started = time.perf_counter()
    compiled_matrices = transform(True)  # loads (or compiles) the kernels
    print(f"first compiled run (kernels loaded from numba's cache or compiled): "
          f"{time.perf_counter() - started:.2f} s wall; {load_average()}")
    same = all(np.array_equal(a, b) for a, b in zip(compiled_matrices, transform(False)))
    print(f"compiled matrix identical to the reference: {same}\n")

    whole = {path: best_cpu(lambda: transform(compiled), args.repeats) for path, compiled in PATHS.items()}
    print(f"{'':24s}{'reference':>12s}{'compiled':>12s}{'speed-up':>10s}")
    print(f"{'whole transform':24s}{whole['reference'] / n_lines * 1e6:12.2f}{whole['compiled'] / n_lines * 1e6:12.2f}"
          f"{whole['reference'] / whole['compiled']:9.1f}x  {load_average()}")
    groups = {path: {} for path in PATHS}
    for path, compiled in PATHS.items():
        for _ in range(args.repeats):
            seconds = by_group(batches, names, line_counts, token_weights, compiled, word_rule)
            for group, value in seconds.items():
                groups[path][group] = min(groups[path].get(group, float("inf")), value)
    print(f"by group (each: what it adds; {sum(name in GROUPS['line'] for name in names)} line columns ...):")
    for group in groups["reference"]:
        columns = "" if group == "batch" else f" ({sum(name in GROUPS[group] for name in names)})"
        reference, compiled = groups["reference"][group], groups["compiled"][group]
        if group != "batch" and not columns.strip(" ()0"):
            continue
        ratio = f"{reference / compiled:9.1f}x" if compiled > 0 else f"{'':10s}"
        print(f"  {group + columns:22s}{reference / n_lines * 1e6:12.2f}{compiled / n_lines * 1e6:12.2f}{ratio}  "
              f"{load_average()}")


if __name__ == "__main__":
    main()
