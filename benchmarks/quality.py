"""Quality benchmark: boilerkit (grouped cross-validation) against the HTML extractors users
know, on the same pages, scored per dump line by one rule.

For every ``lines*.jsonl.gz`` file of the data folder:

* boilerkit: k-fold cross-validation grouped by site (``boilerkit.sites``; ``--group-by
  document`` for the folds used before, which let one site's template sit on both sides),
  ``boilerkit.model.build_model`` settings, threshold = the model's default, not tuned on
  the test folds;
* peers: the cached outputs of ``benchmarks/peers.py`` (trafilatura in three settings,
  readability-lxml, resiliparse, jusText on the HTML and on the text, C4's line rules),
  HTML outputs mapped onto the dump lines with ``boilerkit.align`` — the rule the gold
  labels were made with;

with ``--joint``, one more cross-validation over all the files together (every fold
trains on pages of every file, as the bundled model is trained), scored per file; with
``--lodo``, a leave-one-dataset-out run (train on every other dataset of both files, test
on the one left out).  Prints one table per file, per dataset and per page type, and
writes them to ``benchmarks/results/quality.md``.

    python benchmarks/peers.py --data-dir ../shared/data     # once: runs the peers (slow)
    python benchmarks/quality.py --data-dir ../shared/data [--joint] [--lodo]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from boilerkit.evaluate import Evaluation, evaluate_pages  # noqa: E402
from boilerkit.features import FEATURES  # noqa: E402
from boilerkit.model import build_model, cross_validated_probabilities, per_document, training_arrays  # noqa: E402
from boilerkit.stacking import NEIGHBOURHOOD_NAMES  # noqa: E402

CACHE = ROOT / "benchmarks" / "cache"
RESULTS = ROOT / "benchmarks" / "results"
SYSTEM = "boilerkit"
# The same settings cross-validated over all the files at once, as the bundled model is trained:
# the files' gold conventions differ, so it scores below the per-file row.
JOINT = "boilerkit (trained on all files)"


def read_docs(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def settings_tag(seed: int) -> str:
    """A short hash of the model's settings, so a cache never serves another model's results."""
    settings = repr(build_model(seed=seed).get_params()) + repr(list(FEATURES)) + repr(NEIGHBOURHOOD_NAMES)
    return hashlib.sha256(settings.encode()).hexdigest()[:8]


# How cross-validation groups pages into folds: "site" (the default) or "document".
GROUP_BY = "site"


def boilerkit_cv(docs: list[dict], folds: int, seed: int, tag: str, force: bool) -> np.ndarray:
    """Out-of-fold content probabilities of every line (cached per file and settings)."""
    cache = CACHE / f"oof-{tag}-k{folds}-s{seed}-{GROUP_BY}-{settings_tag(seed)}.npy"
    if cache.exists() and not force:
        return np.load(cache)
    X, y, groups = training_arrays(docs)
    if GROUP_BY == "document":
        groups = X[:, 0].astype(np.int64)
    probabilities = cross_validated_probabilities(build_model(seed=seed), X, y, groups, folds, seed)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(cache, probabilities)
    return probabilities


def boilerkit_joint_cv(docs_by_file: dict[str, list[dict]], folds: int, seed: int, force: bool) -> dict[str, np.ndarray]:
    """Out-of-fold probabilities of one grouped cross-validation over all the files together
    (every fold trains on pages of every file, as the bundled model is trained), per file."""
    tags = list(docs_by_file)
    union = [doc for docs in docs_by_file.values() for doc in docs]
    probabilities = boilerkit_cv(union, folds, seed, "joint-" + "+".join(tags), force)
    sizes = [sum(len(doc["lines"]) for doc in docs) for docs in docs_by_file.values()]
    return dict(zip(tags, np.split(probabilities, np.cumsum(sizes)[:-1])))


def boilerkit_lodo(docs: list[dict], seed: int, force: bool) -> dict[str, np.ndarray]:
    """Per dataset, probabilities of its lines from a model trained on all other datasets."""
    results = {}
    datasets = sorted({doc["dataset"] for doc in docs})
    for dataset in datasets:
        cache = CACHE / f"lodo-{dataset}-s{seed}-{settings_tag(seed)}.npy"
        if cache.exists() and not force:
            results[dataset] = np.load(cache)
            continue
        started = time.perf_counter()
        train = [doc for doc in docs if doc["dataset"] != dataset]
        test = [doc for doc in docs if doc["dataset"] == dataset]
        X, y, _ = training_arrays(train)
        model = build_model(seed=seed).fit(X, y)
        results[dataset] = model.predict_proba(training_arrays(test)[0])[:, 1]
        np.save(cache, results[dataset])
        logging.info("left out %s: %.0f s", dataset, time.perf_counter() - started)
    return results


# ------------------------------------------------------------------------------ tables

COLUMNS = ["system", "char P", "char R", "char F1", "line F1", "page F1"]


# Four decimals: the bars sit on the third (0.95, 0.86), and 0.9498 printed as 0.950
# would read as a bar met.
def row(name: str, scores) -> list[str]:
    return [
        name,
        f"{scores.chars.precision:.4f}",
        f"{scores.chars.recall:.4f}",
        f"{scores.chars.f1:.4f}",
        f"{scores.lines.f1:.4f}",
        f"{scores.page_f1_mean:.4f}",
    ]


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "| --- " + "| ---: " * (len(COLUMNS) - 1) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def ranked(evaluations: dict[str, Evaluation], pick) -> list[list[str]]:
    """Rows sorted by character F1, best first; ``pick`` selects the Scores to show."""
    scored = [(name, pick(e)) for name, e in evaluations.items()]
    scored = [(name, s) for name, s in scored if s is not None]
    return [row(name, s) for name, s in sorted(scored, key=lambda item: -item[1].chars.f1)]


def tables_for(title: str, evaluations: dict[str, Evaluation]) -> str:
    parts = [f"### {title}: all pages ({next(iter(evaluations.values())).overall.n_pages})", "",
             markdown_table(ranked(evaluations, lambda e: e.overall)), ""]
    for field in ("dataset", "page_type"):
        values = sorted(next(iter(evaluations.values())).groups.get(field, {}))
        if field == "dataset" and len(values) < 2:
            continue
        for value in values:
            n = evaluations[SYSTEM].groups[field][value].n_pages
            parts += [f"#### {title}: {field} = {value} ({n} pages)", "",
                      markdown_table(ranked(evaluations, lambda e: e.groups.get(field, {}).get(value))), ""]
    return "\n".join(parts)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lodo", action="store_true", help="also run leave-one-dataset-out")
    parser.add_argument("--joint", action="store_true",
                        help="also cross-validate over all the files together (the bundled model's recipe)")
    parser.add_argument("--force", action="store_true", help="recompute boilerkit's cached predictions")
    parser.add_argument("--no-peers", action="store_true", help="score boilerkit only")
    parser.add_argument("--files", default="lines*.jsonl.gz", help="glob of line files in the data folder")
    parser.add_argument("--group-by", choices=("site", "document"), default="site",
                        help="what the folds keep apart (document: the folds used before, for comparison)")
    args = parser.parse_args(argv)
    global GROUP_BY
    GROUP_BY = args.group_by
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)

    report = ["# Quality benchmark", "",
              f"{args.folds}-fold cross-validation grouped by {args.group_by} (seed {args.seed}); boilerkit at its "
              "default threshold; peers' output mapped onto the dump lines with `boilerkit.align`.", ""]
    if args.joint:
        report += [f"`{JOINT}`: the same settings cross-validated over all the files together (every fold "
                   "trains on pages of every file, as the bundled model is trained), scored on each file's pages.",
                   ""]
    all_docs, all_probabilities = [], []
    docs_by_file = {path.name: read_docs(path) for path in sorted(args.data_dir.glob(args.files))}
    joint = boilerkit_joint_cv(docs_by_file, args.folds, args.seed, args.force) if args.joint else {}
    threshold = build_model().threshold
    for name, docs in docs_by_file.items():
        lines_file = args.data_dir / name
        probabilities = boilerkit_cv(docs, args.folds, args.seed, name.removesuffix(".jsonl.gz"), args.force)
        labels = per_document(docs, (probabilities >= threshold).astype(np.int8))
        evaluations = {SYSTEM: evaluate_pages(zip(docs, labels))}
        if name in joint:
            labels = per_document(docs, (joint[name] >= threshold).astype(np.int8))
            evaluations[JOINT] = evaluate_pages(zip(docs, labels))
        if not args.no_peers:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from peers import score_peers

            evaluations.update(score_peers(lines_file))
        section = tables_for(lines_file.name, evaluations)
        print(section, flush=True)
        report.append(section)
        all_docs.extend(docs)
        all_probabilities.append(probabilities)

    if args.lodo:
        by_dataset = boilerkit_lodo(all_docs, args.seed, args.force)
        rows = []
        cv_probabilities = np.concatenate(all_probabilities)
        cv_by_doc = per_document(all_docs, cv_probabilities)
        for dataset, probabilities in by_dataset.items():
            docs = [doc for doc in all_docs if doc["dataset"] == dataset]
            cv = [p for doc, p in zip(all_docs, cv_by_doc) if doc["dataset"] == dataset]
            left_out = evaluate_pages(zip(docs, per_document(docs, (probabilities >= 0.5).astype(np.int8)))).overall
            within = evaluate_pages(zip(docs, [(p >= 0.5).astype(np.int8) for p in cv])).overall
            rows.append(row(f"{dataset} left out", left_out))
            rows.append(row(f"{dataset} (cross-validated within its file)", within))
        section = "\n".join(["### Leave one dataset out", "",
                             "Trained on every other dataset of both files, tested on the one left out; "
                             "beside it, the same pages in the grouped cross-validation above.", "",
                             markdown_table(rows), ""])
        print(section)
        report.append(section)

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "quality.md").write_text("\n".join(report) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
