"""Quality benchmark: boilerkit against the HTML extractors users know, on the same pages,
scored per dump line by one rule, with folds that keep sites apart.

The pages are those of the shared data's three files (classic news/blog pages, WCXB's modern
pages of seven types, Fundus's multilingual news), each dumped by six converters
(``benchmarks/dumps.py``: html-text, inscriptis, resiliparse, html2text Markdown, lynx
``-dump`` with and without its link numbers), and as the shared files have them (each page
by html-text or inscriptis).

* **The default recipe** (``boilerkit.model.build_model``, threshold 0.5, never tuned on the
  test folds): 5-fold cross-validation over all pages of the three files together, grouped by
  site (``boilerkit.sites``; ``--group-by document`` for the folds used before).  Each
  training page is dumped by ``--dumps-per-page`` of the converters (picked from its id, as
  ``boilerkit train --dumps-per-page`` does); every test page is scored on the shared file's
  dump and on every converter's dump.  This is how the bundled model is trained.
* **Leave one converter out** (``--loco``): for each converter C, the same folds (``--loco-folds``
  of them) with C left out of training, scored on C's dumps.
* **Unseen converters** (``--unseen w3m``): every fold's model of the default recipe also
  scored on the dumps of converters no training page is dumped by, the converters users bring.
* **Peers**: the cached outputs of ``benchmarks/peers.py`` (trafilatura in three settings,
  readability-lxml, resiliparse, jusText on the HTML and on the text, C4's line rules) on the
  shared files' dumps, HTML outputs mapped onto the dump lines with ``boilerkit.align``, the
  rule the gold labels were made with.

Writes ``benchmarks/results/quality.md``: per file, dataset and page type; per converter;
per language (Fundus's field, else py3langid on the gold).

    python benchmarks/dumps.py --data-dir ../shared/data      # once: the converters' dumps
    python benchmarks/peers.py --data-dir ../shared/data      # once: the peers (slow)
    python benchmarks/quality.py --data-dir ../shared/data [--loco] [--unseen w3m]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from boilerkit.conventions import CONVENTIONS as ALL_CONVENTIONS, conventions_of  # noqa: E402
from boilerkit.convert import CONVERTERS as KNOWN_CONVERTERS  # noqa: E402
from boilerkit.evaluate import Evaluation, evaluate_pages, gold_cleaners  # noqa: E402
from boilerkit.features import FEATURES, as_rows  # noqa: E402
from boilerkit.model import build_model, dumps_of_each_page, training_arrays, training_conventions  # noqa: E402
from boilerkit.runtime import NotCompilable, compile_model  # noqa: E402
from boilerkit.sites import site_of  # noqa: E402
from boilerkit.stacking import NEIGHBOURHOOD_NAMES  # noqa: E402

log = logging.getLogger("quality")

CACHE = ROOT / "benchmarks" / "cache"
DUMPS = CACHE / "dumps"
RESULTS = ROOT / "benchmarks" / "results"
FILES = ("lines.jsonl.gz", "lines-wcxb.jsonl.gz", "lines-fundus.jsonl.gz")
CONVERTERS = ("html-text", "inscriptis", "resiliparse", "html2text", "lynx", "lynx-nolist")
# Converters whose dumps are scored but never trained on (--unseen): the converters users
# bring that training never saw.
UNSEEN: tuple[str, ...] = ()
# The shared files' own dumps: each page by html-text or inscriptis, as the data README says.
SHARED = "shared"
SYSTEM = "boilerkit"
# With --gold-conventions, the same models cleaning each page by its gold's convention
# (apply --comments / --no-headline), and the peers with the comments setting of each page's gold.
SYSTEM_AS_GOLD = "boilerkit_as_gold"
AS_GOLD_OPTIONS = {"comments": "`apply --comments` where the gold keeps comments",
                   "headline": "`--no-headline` where it leaves the headline out"}
PEERS_AS_GOLD = {"trafilatura_as_gold": ("trafilatura", "trafilatura_comments"),
                 "resiliparse_as_gold": ("resiliparse", "resiliparse_comments")}
# What the model's own out-of-fold steps (word weights, first-pass probabilities) keep apart
# when it is trained: "site" (training_arrays' groups) or "document" (the model's default).
INTERNAL_FOLDS = "site"
# A learning curve's point: the share of each training fold's sites a model learns from, per
# file ({} = all of them), drawn by the seed.
TRAIN_SHARE: dict[str, float] = {}
# Dumps per training page of some datasets, overriding --dumps-per-page (--dumps-per-dataset).
DUMPS_PER_DATASET: dict[str, int] = {}
# Whether training tells the model each page's gold convention (boilerkit.conventions).
CONVENTIONS: tuple[str, ...] = ()
# Lines predicted per call: the model is fastest on large batches, memory stays small.
PREDICT_LINES = 200_000


def read_jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


# ------------------------------------------------------------------------------ corpus


@dataclass
class Corpus:
    """Every page of the three files, and its dumps: ``dumps[(file, converter)][i]`` is page
    ``i``'s dump (``None`` where the converter gave none); ``converter`` ``SHARED`` is the
    shared file's own."""

    pages: list[dict] = field(default_factory=list)
    dumps: dict[tuple[str, str], list[dict | None]] = field(default_factory=dict)

    def page_indices(self, file: str) -> np.ndarray:
        return np.array([i for i, page in enumerate(self.pages) if page["file"] == file], dtype=np.int64)

    def dump(self, index: int, converter: str) -> dict | None:
        page = self.pages[index]
        return self.dumps.get((page["file"], converter), [None] * (page["row"] + 1))[page["row"]]


def dumps_path(dumps_dir: Path, file: str, converter: str) -> Path:
    return dumps_dir / f"{file.split('.')[0]}-{converter}.jsonl.gz"


def load_corpus(data_dir: Path, dumps_dir: Path, files: Sequence[str], converters: Sequence[str]) -> Corpus:
    corpus = Corpus()
    languages = page_languages(data_dir, files)
    for file in files:
        shared = read_jsonl(data_dir / file)
        row_of = {doc["id"]: row for row, doc in enumerate(shared)}
        for row, doc in enumerate(shared):
            corpus.pages.append({"id": doc["id"], "file": file, "row": row, "site": site_of(doc) or doc["id"],
                                 "dataset": doc.get("dataset"), "page_type": doc.get("page_type"),
                                 "language": languages.get(doc["id"], "unknown")})
        corpus.dumps[(file, SHARED)] = shared
        for converter in converters:
            path = dumps_path(dumps_dir, file, converter)
            if not path.exists():
                raise FileNotFoundError(f"{path} missing: run `python benchmarks/dumps.py` first")
            by_row: list[dict | None] = [None] * len(shared)
            for doc in read_jsonl(path):
                if doc["id"] in row_of:  # a page the shared file dropped is not scored
                    by_row[row_of[doc["id"]]] = {**doc, "language": languages.get(doc["id"], "unknown")}
            corpus.dumps[(file, converter)] = by_row
        for doc in shared:
            doc["language"] = languages.get(doc["id"], "unknown")
    return corpus


def page_languages(data_dir: Path, files: Sequence[str]) -> dict[str, str]:
    """Each page's language: the record's own field (Fundus), else py3langid on its gold
    text, as the data README guessed them (cached)."""
    cache = CACHE / "languages.json"
    if cache.exists():
        return json.loads(cache.read_text())
    import py3langid

    languages = {}
    for file in files:
        for page in read_jsonl(data_dir / file.replace("lines", "pages", 1)):
            languages[page["id"]] = page.get("language") or py3langid.classify(page["gold"])[0]
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(languages))
    return languages


# ---------------------------------------------------------------------------- boilerkit


def settings_tag(seed: int, *extra) -> str:
    """A short hash of the model's settings, the code that trains and applies it, and the
    protocol, so a cache never serves another model's results."""
    settings = (repr(build_model(seed=seed).get_params()) + repr(list(FEATURES)) + repr(NEIGHBOURHOOD_NAMES)
                + repr(extra) + source_digest())
    return hashlib.sha256(settings.encode()).hexdigest()[:10]


def source_digest(package: Path = ROOT / "boilerkit") -> str:
    """A hash of the package's Python source.  The parameters and column names above miss a
    change in how a feature is computed, how training pages are augmented or how a dump is
    laid out: a screen of such a change would have been served the cached predictions of the
    screen before it (2026-12-04, caught before it ran).  Any edit of the package now trains again."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def page_folds(corpus: Corpus, folds: int, seed: int, group_by: str) -> np.ndarray:
    """The test fold of every page: pages of one site (or one page, ``group_by="document"``)
    share a fold, whatever file they are in."""
    keys = [page["site"] if group_by == "site" else page["id"] for page in corpus.pages]
    _, groups = np.unique(keys, return_inverse=True)
    fold = np.zeros(len(corpus.pages), dtype=np.int64)
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(keys)), groups=groups)):
        fold[test] = k
    return fold


def training_documents(corpus: Corpus, pages: np.ndarray, converters: Sequence[str], per_page: int) -> list[dict]:
    """The dumps of ``pages`` by ``converters``, at most ``per_page`` of each page (or
    DUMPS_PER_DATASET's number)."""
    docs = [doc for i in pages.tolist() for c in converters if (doc := corpus.dump(i, c)) is not None]
    return dumps_of_each_page(docs, per_page, DUMPS_PER_DATASET)


def sampled_sites(corpus: Corpus, pages: np.ndarray, seed: int) -> np.ndarray:
    """``pages``, but of each file named in :data:`TRAIN_SHARE` only the pages of that share of
    its sites (rounded up), drawn by ``seed``: how much each file's data is worth."""
    if not TRAIN_SHARE:
        return pages
    rng = np.random.default_rng(seed)
    keep = np.ones(len(pages), dtype=bool)
    for file, share in sorted(TRAIN_SHARE.items()):
        of_file = np.array([corpus.pages[i]["file"] == file for i in pages.tolist()], dtype=bool)
        sites = np.array(sorted({corpus.pages[i]["site"] for i in pages[of_file].tolist()}))
        drawn = rng.choice(sites, size=int(np.ceil(share * len(sites))), replace=False) if len(sites) else []
        kept = set(np.asarray(drawn).tolist())
        keep &= ~of_file | np.array([corpus.pages[i]["site"] in kept for i in pages.tolist()], dtype=bool)
    return pages[keep]


def predict(model, docs: list[dict]) -> list[np.ndarray]:
    """Content probabilities of every line of ``docs``, a list per document, from the model's
    compiled form where it has one (the probabilities ``apply`` gives: the same labels as the
    Pipeline's, ``tests/test_runtime.py``; its trees walk several times faster)."""
    try:
        model = compile_model(model)
    except NotCompilable as reason:
        log.info("scoring with the Pipeline: %s", reason)
    out: list[np.ndarray] = []
    start = 0
    while start < len(docs):
        end, size = start, 0
        while end < len(docs) and (size < PREDICT_LINES or end == start):
            size += len(docs[end]["lines"])
            end += 1
        probabilities = model.predict_proba(as_rows(doc["lines"] for doc in docs[start:end]))[:, 1]
        bounds = np.cumsum([0] + [len(doc["lines"]) for doc in docs[start:end]])
        out += [probabilities[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        start = end
    return out


def predict_as_gold(model, docs: list[dict]) -> list[np.ndarray]:
    """:func:`predict`, each document cleaned by its gold's convention (``model.keeping``)."""
    out: list[np.ndarray | None] = [None] * len(docs)
    for cleaner, indices in gold_cleaners(model, docs):
        for j, p in zip(indices, predict(cleaner, [docs[j] for j in indices])):
            out[j] = p
    return out


def cross_validate(corpus: Corpus, fold: np.ndarray, train_converters: Sequence[str], test_converters: Sequence[str],
                   per_page: int, seed: int, name: str, force: bool,
                   only: int | None = None) -> dict[str, dict[str, list[np.ndarray | None]]]:
    """Out-of-fold probabilities of :data:`SYSTEM` (and with CONVENTIONS, of
    :data:`SYSTEM_AS_GOLD`): per test converter, a list over all pages (``None`` where a page
    has no such dump, or is outside fold ``only`` when one is given).  Cached per fold."""
    n_folds = int(fold.max()) + 1
    # none or all conventions told: False or True, as in the caches made before a subset could be
    told = bool(CONVENTIONS) if CONVENTIONS in ((), ALL_CONVENTIONS) else CONVENTIONS
    tag = settings_tag(seed, tuple(train_converters), per_page, fold.tolist(), INTERNAL_FOLDS, told,
                       *([sorted(DUMPS_PER_DATASET.items())] if DUMPS_PER_DATASET else []),
                       *([sorted(TRAIN_SHARE.items())] if TRAIN_SHARE else []))
    systems = {SYSTEM: "p", **({SYSTEM_AS_GOLD: "g"} if CONVENTIONS else {})}
    result = {system: {c: [None] * len(corpus.pages) for c in test_converters} for system in systems}
    for k in range(n_folds) if only is None else (only,):
        cache = CACHE / f"cv-{name}-fold{k}of{n_folds}-{tag}.npz"
        test = np.flatnonzero(fold == k)
        keys = [(c, i) for c in test_converters for i in test.tolist() if corpus.dump(i, c) is not None]
        stored = np.load(cache, allow_pickle=False) if cache.exists() and not force else None
        where = stored_keys(stored, keys) if stored is not None else None
        if where is not None and all(f"{prefix}0" in stored.files for prefix in systems.values()):
            probabilities = {system: [stored[f"{prefix}{where[key]}"] for key in keys]
                             for system, prefix in systems.items()}
        else:
            started = time.perf_counter()
            docs = training_documents(corpus, sampled_sites(corpus, np.flatnonzero(fold != k), seed),
                                      train_converters, per_page)
            X, y, groups = training_arrays(docs)
            model = build_model(seed=seed).fit(X, y, **({"groups": groups} if INTERNAL_FOLDS == "site" else {}),
                                               **({"conventions": training_conventions(docs, CONVENTIONS)} if CONVENTIONS else {}))
            fitted = time.perf_counter() - started
            test_docs = [corpus.dump(i, c) for c, i in keys]
            probabilities = {SYSTEM: predict(model, test_docs)}
            if CONVENTIONS:
                probabilities[SYSTEM_AS_GOLD] = predict_as_gold(model, test_docs)
            CACHE.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(cache, **{f"{systems[system]}{j}": p for system, ps in probabilities.items()
                                          for j, p in enumerate(ps)},
                                key_converters=np.array([c for c, _ in keys]),
                                key_pages=np.array([i for _, i in keys], dtype=np.int64))
            log.info("%s fold %d/%d: %d training lines, fit %.0f s, predict %.0f s", name, k + 1, n_folds,
                     len(y), fitted, time.perf_counter() - started - fitted)
        for system, ps in probabilities.items():
            for (c, i), p in zip(keys, ps):
                result[system][c][i] = p
    return result


def stored_keys(stored, keys: list[tuple[str, int]]) -> dict[tuple[str, int], int] | None:
    """Where each (converter, page) of ``keys`` is in a fold's cache, or None if one is not:
    a cache made for more test converters serves fewer.  Caches written before the keys were
    stored hold exactly the keys of the default test converters, in order."""
    if "key_converters" not in stored.files:
        has = sum(1 for name in stored.files if name[1:].isdigit() and name[0] == "p")
        return {key: j for j, key in enumerate(keys)} if has == len(keys) else None
    where = {(str(c), int(i)): j for j, (c, i) in enumerate(zip(stored["key_converters"], stored["key_pages"]))}
    return where if all(key in where for key in keys) else None


def evaluation_of(corpus: Corpus, probabilities: list[np.ndarray | None], converter: str, pages: np.ndarray,
                  threshold: float, group_fields=("dataset", "page_type", "language")) -> Evaluation:
    pairs = [(corpus.dump(i, converter), (probabilities[i] >= threshold).astype(np.int8))
             for i in pages.tolist() if probabilities[i] is not None]
    return evaluate_pages(pairs, group_fields=group_fields)


# ------------------------------------------------------------------------------ tables

COLUMNS = ["system", "char P", "char R", "char F1", "line F1", "page F1"]


# Four decimals: the bars sit on the third (0.95, 0.86), and 0.9498 printed as 0.950 would
# read as a bar met.
def row(name: str, scores) -> list[str]:
    return [name, f"{scores.chars.precision:.4f}", f"{scores.chars.recall:.4f}", f"{scores.chars.f1:.4f}",
            f"{scores.lines.f1:.4f}", f"{scores.page_f1_mean:.4f}"]


def markdown_table(rows: list[list[str]], columns: Sequence[str] = COLUMNS) -> str:
    lines = ["| " + " | ".join(columns) + " |", "| --- " + "| ---: " * (len(columns) - 1) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def ranked(evaluations: dict[str, Evaluation], pick) -> list[list[str]]:
    """Rows sorted by character F1, best first; ``pick`` selects the Scores to show."""
    scored = [(name, pick(e)) for name, e in evaluations.items()]
    scored = [(name, s) for name, s in scored if s is not None and s.n_pages]
    return [row(name, s) for name, s in sorted(scored, key=lambda item: -item[1].chars.f1)]


def tables_for(title: str, evaluations: dict[str, Evaluation], fields=("dataset", "page_type")) -> str:
    parts = [f"### {title}: all pages ({evaluations[SYSTEM].overall.n_pages})", "",
             markdown_table(ranked(evaluations, lambda e: e.overall)), ""]
    for name in fields:
        values = sorted(evaluations[SYSTEM].groups.get(name, {}))
        if name == "dataset" and len(values) < 2:
            continue
        for value in values:
            n = evaluations[SYSTEM].groups[name][value].n_pages
            parts += [f"#### {title}: {name} = {value} ({n} pages)", "",
                      markdown_table(ranked(evaluations, lambda e: e.groups.get(name, {}).get(value))), ""]
    return "\n".join(parts)


def scored_converters() -> tuple[str, ...]:
    """The dumps every fold's model is scored on: the shared files', each training converter's,
    and the unseen converters'."""
    return (SHARED, *CONVERTERS, *UNSEEN)


def converter_name(converter: str) -> str:
    return f"{converter} (unseen)" if converter in UNSEEN else converter


def best_peer(peers: dict[str, Evaluation], pick=lambda e: e.overall) -> tuple[str, object]:
    return max(((name, pick(e)) for name, e in peers.items() if pick(e) is not None), key=lambda item: item[1].chars.f1)


HTML_PEERS = ("trafilatura", "trafilatura_precision", "trafilatura_recall", "trafilatura_comments", "readability",
              "resiliparse", "resiliparse_comments", "justext_html", *PEERS_AS_GOLD)


def converter_table(corpus: Corpus, default: dict, loco: dict, peers: dict[str, dict[str, Evaluation]],
                    files: Sequence[str], threshold: float) -> str:
    """Per file and converter: the default recipe, the one trained without the converter, and
    the best HTML extractor on the same pages (its output does not depend on the converter:
    it is scored on the shared file's dumps)."""
    columns = ["file", "dumps", "pages", "default char F1", "line F1", "without this converter", "best HTML extractor",
               "default - best converter"]
    rows = []
    for file in files:
        pages = corpus.page_indices(file)
        scores = {c: evaluation_of(corpus, default[c], c, pages, threshold).overall for c in scored_converters()}
        best = max(s.chars.f1 for s in scores.values())
        html_peers = {name: e for name, e in peers.get(file, {}).items() if name in HTML_PEERS}
        peer_name, peer = best_peer(html_peers) if html_peers else ("-", None)
        for c in scored_converters():
            left_out = evaluation_of(corpus, loco[c][c], c, pages, threshold).overall.chars.f1 if c in loco else None
            rows.append([file, converter_name(c), str(scores[c].n_pages), f"{scores[c].chars.f1:.4f}", f"{scores[c].lines.f1:.4f}",
                         "-" if left_out is None else f"{left_out:.4f}",
                         "-" if peer is None else f"{peer.chars.f1:.4f} ({peer_name})",
                         f"{scores[c].chars.f1 - best:+.4f}"])
    return markdown_table(rows, columns)


# Written without spaces between words (but Korean), and wrapped by text browsers by rules of
# their own (boilerkit.layout): a column of their own in converter_language_table.
CJK_LANGUAGES = ("ja", "ko", "zh")


def converter_language_table(corpus: Corpus, default: dict, files: Sequence[str], threshold: float,
                             converters: Sequence[str] | None = None) -> str:
    """Per converter, char F1 over the dumps of all ``files``: of the English pages, of the
    others, and among those of the Chinese, Japanese and Korean pages."""
    pages = np.concatenate([corpus.page_indices(file) for file in files])
    groups = {"en": lambda language: language == "en", "all but en": lambda language: language != "en",
              ", ".join(CJK_LANGUAGES): lambda language: language in CJK_LANGUAGES}
    rows = []
    for c in scored_converters() if converters is None else converters:
        by_language = evaluation_of(corpus, default[c], c, pages, threshold, ("language",)).groups["language"]
        cells = [converter_name(c)]
        for keep in groups.values():
            picked = [scores for language, scores in by_language.items() if keep(language)]
            cells.append(f"{sum(picked[1:], picked[0]).chars.f1:.4f} ({sum(s.n_pages for s in picked)})"
                         if picked else "-")
        rows.append(cells)
    return markdown_table(rows, ["dumps", *(f"{name} (pages)" for name in groups)])


def language_table(corpus: Corpus, systems: dict[str, dict], peers: dict[str, dict[str, Evaluation]],
                   files: Sequence[str], threshold: float) -> str:
    """Per language, over the shared files' dumps of all files: boilerkit (in each of its
    ``systems``' settings) and every peer."""
    pages = np.concatenate([corpus.page_indices(file) for file in files])
    evaluations = {name: evaluation_of(corpus, probabilities[SHARED], SHARED, pages, threshold, ("language",))
                   for name, probabilities in systems.items()}
    for name in HTML_PEERS:
        docs = [(doc, labels) for file in files for doc, labels in peers.get(file, {}).get(f"{name}:pairs", [])]
        if docs:
            evaluations[name] = evaluate_pages(docs, group_fields=("language",))
    languages = sorted(evaluations[SYSTEM].groups["language"], key=lambda l: -evaluations[SYSTEM].groups["language"][l].n_pages)
    columns = ["language", "pages", SYSTEM, *[name for name in evaluations if name != SYSTEM]]
    rows = []
    non_english = {name: None for name in evaluations}
    for language in languages:
        cells = [language, str(evaluations[SYSTEM].groups["language"][language].n_pages)]
        for name, e in evaluations.items():
            scores = e.groups.get("language", {}).get(language)
            cells.append("-" if scores is None else f"{scores.chars.f1:.4f}")
            if language != "en" and scores is not None:
                non_english[name] = scores if non_english[name] is None else non_english[name] + scores
        rows.append(cells)
    rows.append(["all but en", str(non_english[SYSTEM].n_pages if non_english[SYSTEM] else 0)]
                + [f"{s.chars.f1:.4f}" if s is not None else "-" for s in non_english.values()])
    return markdown_table(rows, columns)


def screen_report(corpus: Corpus, systems: dict[str, dict], files: Sequence[str], threshold: float) -> str:
    """Boilerkit's scores on the pages it has probabilities for (one fold's, with
    ``--only-fold``): per file and converter, and per group on the shared dumps."""
    rows = []
    for system, default in systems.items():
        for file in files:
            pages = corpus.page_indices(file)
            for c in scored_converters():
                e = evaluation_of(corpus, default[c], c, pages, threshold)
                rows.append(row(f"{system} {file} {converter_name(c)} ({e.overall.n_pages})", e.overall))
                if c == SHARED:
                    for name, groups in sorted(e.groups.items()):
                        rows += [row(f"{system} {file} {name}={value} ({scores.n_pages})", scores)
                                 for value, scores in sorted(groups.items()) if scores.n_pages >= 5]
    return markdown_table(rows)


# -------------------------------------------------------------------------------- peers


def peer_evaluations(data_dir: Path, files: Sequence[str], corpus: Corpus) -> dict[str, dict]:
    """Per file, every peer's Evaluation on the shared file's dumps (and, under
    ``"<peer>:pairs"``, its (document, labels) pairs for other groupings)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from peers import peer_labels_of_file

    out: dict[str, dict] = {}
    for file in files:
        shared = corpus.dumps[(file, SHARED)]
        labels = peer_labels_of_file(data_dir / file)
        out[file] = {}
        for name, per_page in labels.items():
            out[file][f"{name}:pairs"] = list(zip(shared, per_page))
        for name, (without, with_comments) in PEERS_AS_GOLD.items():
            if f"{without}:pairs" in out[file] and f"{with_comments}:pairs" in out[file]:
                out[file][f"{name}:pairs"] = [
                    pair_with if conventions_of(pair[0])["comments"] else pair
                    for pair, pair_with in zip(out[file][f"{without}:pairs"], out[file][f"{with_comments}:pairs"])]
        for key in [key for key in out[file] if key.endswith(":pairs")]:
            out[file][key.removesuffix(":pairs")] = evaluate_pages(out[file][key],
                                                                   group_fields=("dataset", "page_type", "language"))
    return out


def without_pairs(peers: dict[str, Evaluation | list]) -> dict[str, Evaluation]:
    return {name: e for name, e in peers.items() if not name.endswith(":pairs")}


# --------------------------------------------------------------------------------- main


def main(argv=None) -> None:
    global INTERNAL_FOLDS, CONVENTIONS, UNSEEN
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--dumps-dir", type=Path, default=DUMPS)
    parser.add_argument("--files", nargs="+", default=list(FILES))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model-seed", type=int, default=None,
                        help="the model's seed (default: --seed), on the same folds: another draw of the "
                             "training's own randomness, to see how far a screen's difference is noise")
    parser.add_argument("--dumps-per-page", type=int, default=2)
    parser.add_argument("--dumps-per-dataset", action="append", default=[], metavar="DATASET=K",
                        help="at most K dumps of each training page of DATASET (overrides --dumps-per-page)")
    parser.add_argument("--group-by", choices=("site", "document"), default="site")
    parser.add_argument("--internal-folds", choices=("site", "document"), default=INTERNAL_FOLDS,
                        help="what the model's own out-of-fold training steps keep apart")
    parser.add_argument("--gold-conventions", nargs="*", choices=ALL_CONVENTIONS, default=None, metavar="NAME",
                        help="tell the model the training pages' gold conventions (train --gold-conventions): "
                             f"those named, or all ({', '.join(ALL_CONVENTIONS)})")
    parser.add_argument("--unseen", nargs="+", default=[], metavar="CONVERTER",
                        help="also score every fold's model on these converters' dumps (benchmarks/dumps.py makes "
                             "them), which training never sees")
    parser.add_argument("--loco", nargs="*", metavar="CONVERTER", default=None,
                        help="also leave each converter (or each one named) out of training")
    parser.add_argument("--loco-folds", type=int, default=2)
    parser.add_argument("--train-share", action="append", default=[], metavar="FILE=SHARE",
                        help="a learning curve's point: train each fold on SHARE (0-1] of its sites of FILE "
                             "(or of every file, `all=SHARE`), drawn by the seed")
    parser.add_argument("--force", action="store_true", help="recompute boilerkit's cached predictions")
    parser.add_argument("--no-peers", action="store_true", help="score boilerkit only")
    parser.add_argument("--output", default="quality.md", metavar="NAME",
                        help="the report's file name in benchmarks/results (default: quality.md, the bundled recipe's)")
    parser.add_argument("--only-fold", type=int, metavar="K",
                        help="screen a change: fit and score fold K only, print boilerkit's scores on its pages "
                             "(quality.md is not written)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    INTERNAL_FOLDS = args.internal_folds
    CONVENTIONS = () if args.gold_conventions is None else tuple(args.gold_conventions or ALL_CONVENTIONS)
    DUMPS_PER_DATASET.update({name: int(k) for name, _, k in (v.rpartition("=") for v in args.dumps_per_dataset)})
    for value in args.train_share:
        name, _, share = value.rpartition("=")
        if name not in (*args.files, "all") or not share.replace(".", "", 1).isdigit() or not 0 < float(share) <= 1:
            parser.error(f"--train-share {value}: expected FILE=SHARE with FILE one of {', '.join(args.files)} or all, "
                         "and 0 < SHARE <= 1")
        TRAIN_SHARE.update({file: float(share) for file in (args.files if name == "all" else (name,))
                            if float(share) < 1})
    # a page has one dump per converter: asking for more changes nothing but the cache key
    # (fundus=10 refitted fold 1 for 580 s and scored exactly as fundus=5)
    for name, k in [("--dumps-per-page", args.dumps_per_page), *DUMPS_PER_DATASET.items()]:
        if k > len(CONVERTERS):
            parser.error(f"{name}={k}: a page has only {len(CONVERTERS)} dumps, one per converter")

    unknown = [c for c in args.unseen if c not in KNOWN_CONVERTERS or c in CONVERTERS]
    if unknown:
        parser.error(f"--unseen: {', '.join(unknown)} is not a converter that training leaves out; choose from "
                     + ", ".join(c for c in KNOWN_CONVERTERS if c not in CONVERTERS))
    UNSEEN = tuple(args.unseen)
    corpus = load_corpus(args.data_dir, args.dumps_dir, args.files, (*CONVERTERS, *UNSEEN))
    threshold = build_model().threshold
    fold = page_folds(corpus, args.folds, args.seed, args.group_by)
    model_seed = args.seed if args.model_seed is None else args.model_seed
    systems = cross_validate(corpus, fold, CONVERTERS, scored_converters(), args.dumps_per_page, model_seed,
                             f"default-{args.group_by}", args.force, args.only_fold)
    if args.only_fold is not None:
        print(screen_report(corpus, systems, args.files, threshold))
        return
    loco = {}
    if args.loco is not None:
        unknown = set(args.loco) - set(CONVERTERS)
        if unknown:
            parser.error(f"--loco: unknown converters {sorted(unknown)}; choose from {', '.join(CONVERTERS)}")
        loco_fold = page_folds(corpus, args.loco_folds, args.seed, args.group_by)
        for converter in args.loco or CONVERTERS:
            others = [c for c in CONVERTERS if c != converter]
            loco[converter] = cross_validate(corpus, loco_fold, others, (converter,), args.dumps_per_page, model_seed,
                                             f"without-{converter}", args.force)
    loco = {system: {c: outcome[system] for c, outcome in loco.items()} for system in systems}
    peers = {} if args.no_peers else peer_evaluations(args.data_dir, args.files, corpus)

    report = [
        "# Quality benchmark", "",
        f"{args.folds}-fold cross-validation over the pages of {', '.join(args.files)} together, grouped by "
        f"{args.group_by} (seed {args.seed}" + ("" if model_seed == args.seed else f", model seed {model_seed}")
        + f"); each training page dumped by {args.dumps_per_page} of the converters "
        + "".join(f"({k} for {name}) " for name, k in DUMPS_PER_DATASET.items()) +
        f"{', '.join(CONVERTERS)} (picked from its id); "
        + (f"every test page also scored on its dumps by {', '.join(UNSEEN)}, which no training page is "
           "dumped by; " if UNSEEN else "")
        + (f"training pages tell the model their gold conventions of {' and '.join(CONVENTIONS)} "
           f"(--gold-conventions {' '.join(CONVENTIONS)}): `boilerkit` cleans every page by boilerkit's own "
           "(no user comments, the headline kept), `boilerkit_as_gold` each page by its gold's ("
           + ", ".join(AS_GOLD_OPTIONS[name] for name in CONVENTIONS)
           + "), and `trafilatura_as_gold` / `resiliparse_as_gold` keep comments where the gold does; "
           if CONVENTIONS else "")
        + ("".join(f"each fold trains on {share:.0%} of its sites of {file} (--train-share); "
                   for file, share in sorted(TRAIN_SHARE.items())))
        + f"boilerkit at threshold {threshold}, never tuned on the test "
        "folds.  Scored on the shared files' own dumps (html-text or inscriptis, one per page), and on every "
        "converter's dumps of the same pages.  Peers' output mapped onto the shared dumps' lines with "
        "`boilerkit.align`.", "",
    ]
    for file in args.files:
        pages = corpus.page_indices(file)
        evaluations = {**{system: evaluation_of(corpus, probabilities[SHARED], SHARED, pages, threshold)
                          for system, probabilities in systems.items()},
                       **without_pairs(peers.get(file, {}))}
        report.append(tables_for(file, evaluations))
    for system, probabilities in systems.items():
        report += [f"### Per converter: {system}", "",
                   f"Char F1 on each converter's dumps; *without this converter*: trained without it "
                   f"({args.loco_folds}-fold, grouped by {args.group_by}), scored on its dumps.", "",
                   converter_table(corpus, probabilities, loco[system], peers, args.files, threshold), "",
                   f"### Per converter and language: {system}", "",
                   "Char F1 on each converter's dumps of all files, by the pages' language.", "",
                   converter_language_table(corpus, probabilities, args.files, threshold), ""]
    if peers:
        report += ["### Per language", "", "Char F1 on the shared files' dumps of all files.", "",
                   language_table(corpus, systems, peers, args.files, threshold), ""]
    text = "\n".join(report) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
