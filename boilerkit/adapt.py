"""Adapting a model to one site: a handful of corrected pages, on top of a base model.

Pages of one site share a template, and the base model's mistakes on a site repeat from
page to page (the same menu line kept, the same byline dropped).  A few pages of that site
with corrected labels fix those mistakes when the model learns from them, but a model
trained on those pages alone would know nothing else.  So :func:`train_on_base` refits the
base model's pipeline (same features, classifier settings and threshold) on the base
model's own training data, listed in its card and looked up by file name in a data
folder, plus the user's pages, whose lines get the sample weight :data:`DEFAULT_WEIGHT` (the base
data's lines 1), so that a handful of pages is heard among thousands.

Weights, not copies of the pages: the two-pass model learns its second pass from
out-of-fold first-pass probabilities, and with copies a fold's first pass would have seen
a copy of the very page it predicts (measured: with copies, 10 helped the two-pass model
no more than 1, while they clearly helped the one-pass model, which has no such step).

``benchmarks/site_adaptation.py`` measures it: base model versus adapted model on the pages
of a site held out of the base data, three corrected pages of the site added.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone

from .io import InputError
from .model import (BoilerplateModel, ModelError, card_path, load_model, load_training_data, model_card, read_card,
                    sha256_of, training_arrays)
from .training_defaults import DEFAULT_WEIGHT

log = logging.getLogger(__name__)


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


def base_inputs(base: str | os.PathLike, data_dir: str | os.PathLike) -> list[Path]:
    """The files :func:`train_on_base` reads besides the user's pages: the base model, its
    card, and the training files its card lists that are in ``data_dir``."""
    card = read_card(base) or {}
    listed = [Path(data_dir) / entry["path"] for entry in card.get("training_data") or [] if entry.get("path")]
    return [Path(base), card_path(base), *(path for path in listed if path.exists())]


def fit_on_base(base: BoilerplateModel, documents: Sequence[dict], base_documents: Sequence[dict],
                weight: float = DEFAULT_WEIGHT) -> BoilerplateModel:
    """A clone of ``base`` (unfitted, same settings) fitted on ``base_documents`` plus
    ``documents``, whose lines get sample weight ``weight`` (the base data's lines 1)."""
    if not weight > 0:
        raise ValueError(f"the weight of your pages must be positive, got {weight}")
    X, y, _ = training_arrays([*base_documents, *documents])
    n_base = sum(len(doc["lines"]) for doc in base_documents)
    sample_weight = np.ones(len(y))
    sample_weight[n_base:] = weight
    model = clone(base)
    classifier = model.steps[-1][1].estimator
    if not hasattr(classifier, "set_fit_request"):
        raise ModelError(f"the base model's classifier ({type(classifier).__name__}) takes no sample weights")
    started = time.perf_counter()
    # FixedThresholdClassifier passes sample weights on only through metadata routing.
    with sklearn.config_context(enable_metadata_routing=True):
        classifier.set_fit_request(sample_weight=True)
        model.fit(X, y, sample_weight=sample_weight)
    log.info("fitted on %d base pages and %d of yours (weight %g) in %.1f s",
             len(base_documents), len(documents), weight, time.perf_counter() - started)
    return model


def train_on_base(
    paths: Sequence[str | os.PathLike],
    base: str | os.PathLike,
    *,
    data_dir: str | os.PathLike,
    weight: float = DEFAULT_WEIGHT,
) -> BoilerplateModel:
    """Refit the model saved at ``base`` on its training data (found in ``data_dir``) plus
    the labelled dumps ``paths`` (e.g. corrected ``apply --format tsv`` files), whose lines
    get sample weight ``weight``."""
    base_model = load_model(base)
    card = getattr(base_model, "card_", {})
    base_documents, base_summaries = load_training_data(base_training_files(card, data_dir))
    documents, summaries = load_training_data(paths)
    model = fit_on_base(base_model, documents, base_documents, weight)
    all_documents = [*base_documents, *documents]
    n_lines = sum(len(doc["lines"]) for doc in all_documents)
    n_content = sum(sum(doc["labels"]) for doc in all_documents)
    model.card_ = model_card(model, base_summaries + [{**s, "weight": weight} for s in summaries],
                             n_lines, n_content, None, card.get("seed", 0))
    model.card_["base_model"] = {"path": os.path.basename(base), "sha256": sha256_of(base),
                                 "created": card.get("created")}
    return model
