"""Cleaning a corpus with Dask: a DataFrame column, or whole shard files, on a cluster.

Two ways in, both loading the model **once per worker process**, not once per task:

* :func:`clean_dataframe` adds ``content``, ``labels`` and ``scores`` columns to a Dask
  DataFrame of page texts (``dd.read_json("shards/*.jsonl.gz", lines=True)``, Parquet ...);
* :func:`apply_shards` runs :func:`boilerkit.apply.apply` on each shard file as one task,
  writing one output file per shard into a directory (``boilerkit apply --dask-scheduler``).

Workers receive the model's *path* and load it through :func:`cached_model`, a per-process
cache; so the model file must be readable at the same path on every worker (a shared file
system, or the bundled model of an installed boilerkit, which is what ``model=None`` means).

Dask is an optional extra (``pip install boilerkit[dask]``): it is imported only here.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import dask
import dask.bag
import numpy as np
import pandas as pd

from .apply import ApplySummary, apply
from .features import as_rows
from .io import InputError, WET_SUFFIXES, JSONL_SUFFIXES, expand_paths, split_lines
from .model import BoilerplateModel, default_model_path, load_model

log = logging.getLogger(__name__)

# Suffix of each output format's files in an output directory; a shard's known input
# suffix is replaced by it (``part-0001.jsonl.gz`` -> ``part-0001.jsonl``).
OUTPUT_SUFFIXES = {"text": ".txt", "tsv": ".tsv", "jsonl": ".jsonl", "wet": ".warc.wet.gz"}
_INPUT_SUFFIXES = sorted(WET_SUFFIXES + JSONL_SUFFIXES + (".txt", ".txt.gz", ".gz"), key=len, reverse=True)

_MODELS: dict[str, BoilerplateModel] = {}
_MODELS_LOCK = threading.Lock()


def cached_model(path: str | os.PathLike | None = None) -> BoilerplateModel:
    """The model saved at ``path`` (default: the bundled one), loaded once per process.

    Worker processes keep this module, and so the loaded model, between tasks: a cluster
    run loads the model once per worker however many partitions or shards it cleans.
    """
    key = str(Path(path if path is not None else default_model_path()).resolve())
    with _MODELS_LOCK:  # threads of one worker must not load it twice
        if key not in _MODELS:
            log.info("loading model %s in process %d", key, os.getpid())
            _MODELS[key] = load_model(key)
        return _MODELS[key]


def _model_reference(model) -> BoilerplateModel | str:
    """What tasks carry: a loaded model as it is, or an absolute path for :func:`cached_model`."""
    if isinstance(model, BoilerplateModel):
        return model
    return str(Path(model if model is not None else default_model_path()).resolve())


def _resolve(model: BoilerplateModel | str) -> BoilerplateModel:
    return model if isinstance(model, BoilerplateModel) else cached_model(model)


# ------------------------------------------------------------------------- DataFrames


def clean_pandas(
    df: pd.DataFrame, text_column: str = "text", model=None, threshold: float | None = None
) -> pd.DataFrame:
    """``df`` with ``content`` (the content lines of each text), ``labels`` (list of 0/1 per
    line) and ``scores`` (list of content probabilities) added; all rows predicted as one
    batch.  A missing text counts as empty."""
    model = _resolve(_model_reference(model))
    texts = ["" if text is None or (isinstance(text, float) and np.isnan(text)) else text for text in df[text_column]]
    documents = [split_lines(text) for text in texts]
    labels, scores = model.label_lines(as_rows(documents), threshold) if documents else (np.zeros(0), np.zeros(0))
    bounds = np.cumsum([0] + [len(lines) for lines in documents])
    content, label_lists, score_lists = [], [], []
    for lines, start, end in zip(documents, bounds[:-1], bounds[1:]):
        doc_labels = labels[start:end]
        content.append("\n".join(line for line, label in zip(lines, doc_labels) if label))
        label_lists.append(doc_labels.astype(int).tolist())
        score_lists.append(scores[start:end].tolist())
    return df.assign(
        content=pd.Series(content, index=df.index, dtype=df[text_column].dtype),
        labels=pd.Series(label_lists, index=df.index, dtype=object),
        scores=pd.Series(score_lists, index=df.index, dtype=object),
    )


def clean_dataframe(ddf, text_column: str = "text", model=None, threshold: float | None = None):
    """A lazy Dask DataFrame: ``ddf`` with ``content``, ``labels`` and ``scores`` columns
    (see :func:`clean_pandas`), computed partition by partition on the workers.

    ``model`` is a model path (default: the bundled model), loaded once per worker, or a
    loaded :class:`~boilerkit.model.BoilerplateModel`, which is then shipped with the tasks
    (fine on one machine; on a cluster prefer a path every worker can read).
    """
    if text_column not in ddf.columns:
        raise KeyError(f"no column {text_column!r} in the DataFrame (columns: {', '.join(map(str, ddf.columns))})")
    text_dtype = ddf._meta[text_column].dtype
    meta = ddf._meta.assign(
        content=pd.Series([], dtype=text_dtype),
        labels=pd.Series([], dtype=object),
        scores=pd.Series([], dtype=object),
    )
    return ddf.map_partitions(
        clean_pandas, text_column=text_column, model=_model_reference(model), threshold=threshold, meta=meta
    )


# ------------------------------------------------------------------------ shard files


def output_name(path: str, output_format: str) -> str:
    """The file name of a shard's output: its input suffix replaced by the format's."""
    name = os.path.basename(path)
    for suffix in _INPUT_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name + OUTPUT_SUFFIXES[output_format]


def _apply_shard(path: str, output: str, model, threshold, output_format: str) -> dict:
    summary = apply([path], _resolve(model), threshold=threshold, output_format=output_format, output=output)
    return {
        "input": path,
        "output": output,
        "documents": summary.documents,
        "lines": summary.lines,
        "content_lines": summary.content_lines,
        # Unreadable records, skipped (as plain apply does), as messages: they travel back.
        "errors": [str(error) for error in summary.errors],
    }


def apply_shards(
    inputs: Sequence[str | os.PathLike],
    output_dir: str | os.PathLike,
    model=None,
    *,
    threshold: float | None = None,
    output_format: str = "jsonl",
    scheduler: str | None = None,
) -> list[dict]:
    """Apply the model to every shard file of ``inputs`` (paths, globs, directories), one
    Dask task a shard, each writing ``output_dir/<shard name><format suffix>``.

    ``scheduler`` is the address of a running ``distributed`` scheduler
    (``tcp://host:8786``); without it, Dask's default scheduler of the current context is
    used (a ``distributed.Client`` already made, else local processes).  Returns one
    summary a shard: input, output, documents, lines, content_lines, errors (messages of
    unreadable records, skipped).
    """
    if output_format not in OUTPUT_SUFFIXES:
        raise ValueError(f"unknown format {output_format!r}: choose one of {', '.join(OUTPUT_SUFFIXES)}")
    paths = expand_paths(inputs)
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        raise InputError(output_dir, "output directory does not exist")
    outputs = [str((output_dir / output_name(path, output_format)).resolve()) for path in paths]
    if len(set(outputs)) < len(outputs):
        duplicate = next(out for out in outputs if outputs.count(out) > 1)
        raise InputError(duplicate, "two input shards have the same name: their outputs would collide")
    reference = _model_reference(model)
    tasks = dask.bag.from_sequence(list(zip(paths, outputs)), npartitions=max(1, len(paths))).map(
        lambda pair: _apply_shard(pair[0], pair[1], reference, threshold, output_format)
    )
    if scheduler is None:
        return tasks.compute()
    from distributed import Client

    with Client(scheduler) as client:
        return tasks.compute(scheduler=client)


def total(summaries: Sequence[dict]) -> ApplySummary:
    """The sum of the per-shard summaries of :func:`apply_shards`."""
    return ApplySummary(
        documents=sum(s["documents"] for s in summaries),
        lines=sum(s["lines"] for s in summaries),
        content_lines=sum(s["content_lines"] for s in summaries),
    )
