"""Adapting a model to one site: a handful of corrected pages, on top of a base model.

Pages of one site share a template, and the base model's mistakes on a site repeat from
page to page (the same menu line kept, the same byline dropped).  A few pages of that site
with corrected labels fix those mistakes when the model learns from them, but a model
trained on those pages alone would know nothing else.  So :func:`train_on_base` refits the
base model's pipeline (same features, classifier settings and threshold) on the base
model's own training data, listed in its card and looked up by file name in a data
folder, plus the user's pages, each repeated :data:`DEFAULT_REPEAT` times so that a handful of
pages is not drowned by thousands.

Repeating pages rather than passing sample weights works with any classifier of the
pipeline (the two-pass :class:`~boilerkit.stacking.SequenceStacker` takes no sample
weights).  Its cost: the stacker's out-of-fold first pass may see a copy of a page while
predicting another copy, so on the user's pages the second pass learns from first-pass
probabilities that are a little too good; with a few pages among thousands this is small
next to what the site's pages teach.

``benchmarks/site_adaptation.py`` measures it: base model versus adapted model on the pages
of a site held out of the base data, three corrected pages of the site added.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

from sklearn.base import clone

from .io import InputError
from .model import BoilerplateModel, ModelError, load_model, load_training_data, model_card, sha256_of, training_arrays

log = logging.getLogger(__name__)

DEFAULT_REPEAT = 10
"""How many times each of the user's pages is added to the base data.  Measured with
``benchmarks/site_adaptation.py`` (CleanPortalEval sites, 3 corrected pages each)."""


def base_training_files(card: dict, data_dir: str | os.PathLike) -> list[Path]:
    """The files a base model was trained on (from its card), found by name in ``data_dir``.

    A file whose content differs from the one in the card (sha256) is used with a warning:
    the data may have been fixed since; a missing file is an error.
    """
    entries = card.get("training_data") or []
    if not entries:
        raise ModelError("the base model's card lists no training data: it cannot be refitted")
    files = []
    for entry in entries:
        path = Path(data_dir) / entry["path"]
        if not path.is_file():
            raise InputError(path, f"the base model was trained on {entry['path']}, which is not in {data_dir}")
        if entry.get("sha256") and sha256_of(path) != entry["sha256"]:
            log.warning("%s differs from the file the base model was trained on (sha256)", path)
        files.append(path)
    return files


def fit_on_base(base: BoilerplateModel, documents: Sequence[dict], base_documents: Sequence[dict],
                repeat: int = DEFAULT_REPEAT) -> BoilerplateModel:
    """A clone of ``base`` (unfitted, same settings) fitted on ``base_documents`` plus
    ``repeat`` copies of each of ``documents``."""
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    X, y, _ = training_arrays([*base_documents, *(doc for doc in documents for _ in range(repeat))])
    model = clone(base)
    started = time.perf_counter()
    model.fit(X, y)
    log.info("fitted on %d base pages and %d of yours (x%d) in %.1f s",
             len(base_documents), len(documents), repeat, time.perf_counter() - started)
    return model


def train_on_base(
    paths: Sequence[str | os.PathLike],
    base: str | os.PathLike,
    *,
    data_dir: str | os.PathLike,
    repeat: int = DEFAULT_REPEAT,
) -> BoilerplateModel:
    """Refit the model saved at ``base`` on its training data (found in ``data_dir``) plus
    the labelled dumps ``paths`` (e.g. corrected ``apply --format tsv`` files), each of
    these ``repeat`` times."""
    base_model = load_model(base)
    card = getattr(base_model, "card_", {})
    base_documents, base_summaries = load_training_data(base_training_files(card, data_dir))
    documents, summaries = load_training_data(paths)
    model = fit_on_base(base_model, documents, base_documents, repeat)
    all_documents = [*base_documents, *(doc for doc in documents for _ in range(repeat))]
    n_lines = sum(len(doc["lines"]) for doc in all_documents)
    n_content = sum(sum(doc["labels"]) for doc in all_documents)
    model.card_ = model_card(model, base_summaries + [{**s, "repeat": repeat} for s in summaries],
                             n_lines, n_content, None, card.get("seed", 0))
    model.card_["base_model"] = {"path": os.path.basename(base), "sha256": sha256_of(base), "created": card.get("created")}
    return model
