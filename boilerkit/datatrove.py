"""A pipeline step for huggingface/datatrove: remove the clutter lines of each document.

>>> from datatrove.executor import LocalPipelineExecutor
>>> from datatrove.pipeline.readers import JsonlReader
>>> from datatrove.pipeline.writers import JsonlWriter
>>> from boilerkit.datatrove import BoilerkitCleaner
>>> LocalPipelineExecutor(pipeline=[JsonlReader("dumps/"), BoilerkitCleaner(), JsonlWriter("clean/")],
...                       tasks=4).run()  # doctest: +SKIP

Each document's ``text`` becomes its content lines; its ``metadata`` gets
``boilerkit_lines_kept``, ``boilerkit_lines_dropped`` and ``boilerkit_content_share``
(the share of its non-whitespace characters kept), and the step's statistics (datatrove's
``stat_update``) count lines kept and dropped.  A document with no content line left is
dropped (``drop_empty``), and goes, unchanged, to ``exclusion_writer`` when one is given,
as datatrove's filters do, so what was thrown away can be looked at.

datatrove is an optional extra (``pip install boilerkit[datatrove]``), imported only here.
"""

from __future__ import annotations

import contextlib
import os
from functools import lru_cache

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.batching import batched
from datatrove.utils.typeshelper import StatHints

from .evaluate import char_weights
from .features import as_rows
from .io import split_lines
from .model import BoilerplateModel, load_model

# Documents predicted together: per-call overhead of the classifier (its thread pool starts
# for every call) dominates on single pages, and 64 pages of a few hundred lines each are
# still a small array.
BATCH_DOCUMENTS = 64
METADATA_PREFIX = "boilerkit_"


@lru_cache(maxsize=4)
def _load(path: str | None) -> BoilerplateModel:
    """A saved model, loaded once per process (datatrove runs tasks in worker processes)."""
    return load_model(path)


class BoilerkitCleaner(PipelineStep):
    """Keep only the content lines of each document's text, as boilerkit's model labels them.

    Args:
        model: path of a saved model (default: the bundled model), or a loaded model
        threshold: content probability a line needs to be kept (default: the model's)
        drop_empty: drop documents left with no content line
        exclusion_writer: a datatrove writer that receives the dropped documents as they were
        batch_size: documents predicted together
    """

    name = "🧹 boilerkit clutter lines"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        model: str | os.PathLike | BoilerplateModel | None = None,
        threshold: float | None = None,
        drop_empty: bool = True,
        exclusion_writer=None,
        batch_size: int = BATCH_DOCUMENTS,
    ):
        super().__init__()
        self.model = model
        self.threshold = threshold
        self.drop_empty = drop_empty
        self.exclusion_writer = exclusion_writer
        self.batch_size = batch_size

    def _model(self) -> BoilerplateModel:
        if isinstance(self.model, BoilerplateModel):
            return self.model
        return _load(None if self.model is None else str(self.model))

    def clean_batch(self, batch: list[Document]) -> list[bool]:
        """Clean the documents of ``batch`` in place; whether each still has content."""
        documents = [split_lines(doc.text) for doc in batch]
        labels, _ = self._model().label_lines(as_rows(documents), self.threshold) if batch else ([], [])
        bounds = np.cumsum([0] + [len(lines) for lines in documents])
        kept_any = []
        for doc, lines, start, end in zip(batch, documents, bounds[:-1], bounds[1:]):
            keep = np.asarray(labels[start:end], dtype=bool)
            weights = char_weights(lines)
            kept = int(keep.sum())
            self.stat_update("lines_kept", value=kept)
            self.stat_update("lines_dropped", value=len(lines) - kept)
            doc.metadata[METADATA_PREFIX + "lines_kept"] = kept
            doc.metadata[METADATA_PREFIX + "lines_dropped"] = len(lines) - kept
            doc.metadata[METADATA_PREFIX + "content_share"] = (
                round(float(weights[keep].sum() / weights.sum()), 4) if weights.sum() else 0.0
            )
            kept_any.append(kept > 0)
            if kept or not self.drop_empty:
                doc.text = "\n".join(line for line, k in zip(lines, keep) if k)
        return kept_any

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data is None:
            return
        with self.exclusion_writer if self.exclusion_writer else contextlib.nullcontext() as writer:
            for batch in batched(data, self.batch_size):
                with self.track_time("batch"):
                    has_content = self.clean_batch(list(batch))
                for doc, keep in zip(batch, has_content):
                    self.stat_update(StatHints.total)
                    if keep or not self.drop_empty:
                        self.stat_update(StatHints.forwarded)
                        self.update_doc_stats(doc)
                        yield doc
                    else:
                        self.stat_update(StatHints.dropped)
                        self.stat_update("dropped_no_content")
                        if writer is not None:
                            doc.metadata["filter_reason"] = "boilerkit_no_content"
                            writer.write(doc, rank)
