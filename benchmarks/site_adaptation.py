"""Does a handful of corrected pages of one site improve the model on that site?

For each held-out site (by default the four sites of CleanPortalEval, whose pages share a
template): a base model is trained on the other pages of ``../shared/data`` (every page of
the site's registered domain left out, whatever its dataset); then ``--pages`` CleanPortalEval pages of the
site, with their shipped labels standing in for hand corrections, are added with
:func:`boilerkit.adapt.fit_on_base` at several sample weights (or as copies, ``--copies``); all models are scored on the *other*
pages of the site (content class, F1 by characters and by lines, pooled over pages).  The
site-only model (the corrected pages alone, same settings) shows why the base data is kept.

    OMP_NUM_THREADS=1 python benchmarks/site_adaptation.py [--data-dir DIR] [--sites msnbc.com,wsj.com]
        [--base-pages 150] [--max-iter 60] [--weights 1,10,30] [--copies] [--draws 1]

To keep it to minutes on a shared 2-core machine, the base data is a fixed random sample of
``--base-pages`` pages and the classifier gets ``--max-iter`` rounds; the comparison is
between models of the same settings.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, uninstalled

from boilerkit.adapt import fit_on_base
from boilerkit.apply import label_documents
from boilerkit.evaluate import evaluate_pages
from boilerkit.io import Document
from boilerkit.model import build_model

LINE_FILES = ("lines.jsonl.gz", "lines-wcxb.jsonl.gz")
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
CLEANPORTALEVAL_SITES = ("msnbc.com", "wsj.com", "washingtonpost.com", "bbc.co.uk")
# Second-level public suffixes under which a registered domain has three labels; enough for
# the hosts of this data (a full public suffix list would need another dependency).
SECOND_LEVEL_SUFFIXES = {"co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.nz",
                         "co.jp", "co.in", "com.br", "com.cn", "co.za", "com.mx", "com.tr"}


def registered_domain(url: str | None) -> str | None:
    """``tv.msnbc.com`` -> ``msnbc.com``, ``news.bbc.co.uk`` -> ``bbc.co.uk``."""
    host = urlsplit(url).hostname if url else None
    if not host:
        return None
    labels = host.lower().rstrip(".").split(".")
    size = 3 if ".".join(labels[-2:]) in SECOND_LEVEL_SUFFIXES else 2
    return ".".join(labels[-size:])


def read_documents(data_dir: Path) -> list[dict]:
    documents = []
    for name in LINE_FILES:
        with gzip.open(data_dir / name, "rt", encoding="utf-8") as handle:
            documents.extend(json.loads(line) for line in handle)
    return documents


def score(model, documents: list[dict]) -> tuple[float, float, float]:
    """(char F1, line F1, mean page F1) of the content class over ``documents``."""
    results = label_documents(model, [Document(doc["lines"], doc["id"]) for doc in documents])
    evaluation = evaluate_pages(((doc, r.labels) for doc, r in zip(documents, results)), group_fields=())
    overall = evaluation.overall
    return overall.chars.f1, overall.lines.f1, overall.page_f1_mean


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--sites", default=",".join(CLEANPORTALEVAL_SITES))
    parser.add_argument("--dataset", default="cleanportaleval",
                        help="corrected and test pages are the site's pages of this dataset (one gold definition)")
    parser.add_argument("--pages", type=int, default=3, help="corrected pages of the site added")
    parser.add_argument("--draws", type=int, default=1, help="random choices of those pages per site")
    parser.add_argument("--base-pages", type=int, default=150, help="pages of base data (0: all)")
    parser.add_argument("--max-iter", type=int, default=60)
    parser.add_argument("--weights", default="1,10,30", help="sample weights of the corrected pages' lines")
    parser.add_argument("--copies", action="store_true",
                        help="add that many copies of each corrected page instead of weighting it (to compare)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one-pass", action="store_true",
                        help="the one-pass model (no stacking, so no out-of-fold step that copies could leak into)")
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")]

    documents = read_documents(args.data_dir)
    by_site = defaultdict(list)
    for doc in documents:
        by_site[registered_domain(doc.get("url"))].append(doc)
    template = build_model(seed=args.seed, max_iter=args.max_iter, two_pass=not args.one_pass)
    print(f"{'one' if args.one_pass else 'two'}-pass model; base data: {args.base_pages or 'all'} pages; "
          f"classifier rounds: {args.max_iter}; "
          f"{args.pages} corrected pages per draw; F1 of the content class on the site's other pages")
    print(f"{'site':<20} {'draw':>4} {'test pages':>10} {'model':<16} {'char F1':>8} {'line F1':>8} {'page F1':>8} {'fit s':>6}")
    totals = defaultdict(list)
    for site in args.sites.split(","):
        site_docs = sorted((d for d in by_site[site] if d["dataset"] == args.dataset), key=lambda d: d["id"])
        others = [doc for doc in documents if registered_domain(doc.get("url")) != site]
        rng = random.Random(args.seed)
        base_docs = rng.sample(others, args.base_pages) if args.base_pages else others
        started = time.perf_counter()
        base = fit_on_base(template, [], base_docs)
        base_time = time.perf_counter() - started
        for draw in range(args.draws):
            chosen = set(random.Random(f"{args.seed}-{site}-{draw}").sample(range(len(site_docs)), args.pages))
            corrected = [doc for i, doc in enumerate(site_docs) if i in chosen]
            test = [doc for i, doc in enumerate(site_docs) if i not in chosen]
            rows = [("base", base, base_time)]
            for weight in weights:
                started = time.perf_counter()
                if args.copies:
                    name, model = f"+{args.pages} pages x{weight:g}", fit_on_base(
                        template, corrected * int(weight), base_docs, 1.0)
                else:
                    name, model = f"+{args.pages} pages w={weight:g}", fit_on_base(template, corrected, base_docs, weight)
                rows.append((name, model,
                             time.perf_counter() - started))
            started = time.perf_counter()
            rows.append((f"{args.pages} pages only", fit_on_base(template, corrected, [], 1.0),
                         time.perf_counter() - started))
            for name, model, seconds in rows:
                figures = score(model, test)
                totals[name].append(figures)
                print(f"{site:<20} {draw:>4} {len(test):>10} {name:<16} "
                      + " ".join(f"{v:>8.3f}" for v in figures) + f" {seconds:>6.1f}", flush=True)
    print("\nmean over sites and draws:")
    for name, values in totals.items():
        means = [sum(v[i] for v in values) / len(values) for i in range(3)]
        print(f"  {name:<16} char F1 {means[0]:.3f}  line F1 {means[1]:.3f}  page F1 {means[2]:.3f}")


if __name__ == "__main__":
    main()
