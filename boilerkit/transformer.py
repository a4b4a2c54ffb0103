"""The line features as a scikit-learn transformer: the first step of the saved Pipeline.

The features themselves are in :mod:`boilerkit.features` (numpy and the compiled kernels,
no scikit-learn); this class adds what a Pipeline step needs (fit, transform, parameters)
and what is learned in ``fit``.  Its ``__module__`` is :mod:`boilerkit.features`, where it
was first defined: pickled and ``.skops`` models name it so.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import lexical
from .conventions import cleaning_convention
from .features import (
    FEATURES,
    LEXICAL_FEATURES,
    LEXICAL_FOLDS,
    Batch,
    CORPUS_COUNTS,
    CorpusLines,
    batch_of,
    check_word_rule,
    compute_features,
    feature_matrix,
    split_rows,
)


class LineFeatures(TransformerMixin, BaseEstimator):
    """scikit-learn transformer: lines (with their document keys) -> one feature row per line.

    Two things are learned in ``fit``: in how many training documents (or sites) each line
    occurs (repeated lines are templates) and, when labels are given, the weights of words
    and word pairs (:mod:`boilerkit.lexical`).  Like scikit-learn's ``TargetEncoder``,
    ``fit_transform`` cross-fits the word weights: each training line is scored with weights
    learned from the other documents, so the classifier downstream learns how far to trust
    them on pages they have not seen, not on the pages they were counted on; with
    ``corpus_counts="sites"`` the line counts likewise.

    Parameters
    ----------
    features : list of str or None
        Names from :data:`FEATURES` to compute, in this order; ``None`` means all of them.
    word_rule : {"spaces", "scripts"}
        How words are counted (:data:`boilerkit.features.WORD_RULES`): between spaces only,
        or also each letter of the scripts written without spaces between words (Chinese,
        Japanese), whose lines otherwise look like a few very long words.
    convention : dict or None
        What the pages to clean are cleaned by, where benchmarks' gold disagree
        (:func:`boilerkit.conventions.cleaning_convention`: ``{"comments": True}`` keeps user
        comments); ``None`` means boilerkit's own.  Only a model trained with the training
        pages' conventions can tell them apart (``train --gold-conventions``).
    corpus_counts : {"documents", "sites"}
        What ``corpus_doc_freq`` counts: the training documents holding a line, every
        training line counted with its own document (every model so far); or the training
        sites (the groups given to fit), each training line counted without its own site,
        as a page of a new site sees the training set (:class:`CorpusLines`).
    """

    def __init__(self, features=None, word_rule="spaces", convention=None, corpus_counts="documents"):
        self.features = features
        self.word_rule = word_rule
        self.convention = convention
        self.corpus_counts = corpus_counts

    def __setstate__(self, state):
        # models pickled before word_rule existed counted words between spaces; before
        # convention, they cleaned by boilerkit's own
        state.setdefault("word_rule", "spaces")
        state.setdefault("convention", None)
        state.setdefault("corpus_counts", "documents")
        super().__setstate__(state)

    def _batch_of(self, X) -> Batch:
        batch = batch_of(X)
        batch.use_word_rule(self.word_rule)
        return batch

    def _names(self) -> list[str]:
        return list(FEATURES) if self.features is None else list(self.features)

    def fit(self, X, y=None):
        self._fit(X, y)
        return self

    def _fit(self, X, y, groups=None) -> tuple[Batch | None, CorpusLines | None]:
        """Learn the corpus line counts (by ``groups``, documents where None) and, given
        labels, the word weights; returns ``X``'s batch (None without word weights to
        cross-fit) and the corpus's lines, which only the training rows' features need."""
        names = self._names()
        unknown = [name for name in names if name not in FEATURES]
        if unknown:
            raise ValueError(f"unknown feature(s): {', '.join(unknown)}")
        check_word_rule(self.word_rule)
        cleaning_convention(self.convention)
        self.feature_names_ = np.array(names, dtype=object)
        if self.corpus_counts not in CORPUS_COUNTS:
            raise ValueError(f"unknown corpus_counts {self.corpus_counts!r}: choose one of {', '.join(CORPUS_COUNTS)}")
        by_site = self.corpus_counts == "sites"
        corpus_lines = (CorpusLines.of(X, groups if by_site else None)
                        if "corpus_doc_freq" in names and X is not None else None)
        self.line_counts_ = {} if corpus_lines is None else corpus_lines.counts()
        self.token_weights_ = None
        if y is None or X is None or not set(LEXICAL_FEATURES) & set(names):
            return None, corpus_lines
        batch = self._batch_of(X)
        lines, buckets = batch.token_buckets
        is_content = np.asarray(y)[lines] == 1
        self.token_weights_ = lexical.log_count_ratios(buckets, is_content)
        return batch, corpus_lines

    def fit_transform(self, X, y=None, **fit_params):
        batch, corpus_lines = self._fit(X, y)
        if batch is None:
            Xt = self.transform(X)
        else:
            batch.line_counts = self.line_counts_
            batch.token_scores = self._cross_fitted_scores(batch, np.asarray(y))
            Xt = feature_matrix(batch, self.feature_names_)
        return self._with_held_out_doc_freq(Xt, X, corpus_lines)

    def fit_transform_augmented(self, X, y, X_augmented, y_augmented, real: np.ndarray,
                                groups: np.ndarray | None = None, conventions: np.ndarray | None = None) -> np.ndarray:
        """Fit on the real rows ``X`` only and return the rows of ``X_augmented`` (``X`` plus
        synthetic lines; ``real`` marks the rows of ``X``), each line's word weights learned
        without its own document's fold (or its ``groups`` fold: a site's, so that its
        template's words do not vouch for themselves), as :meth:`fit_transform` gives them:
        synthetic lines take no part in the statistics the features learn.  ``conventions``
        (a row per line of ``X_augmented``) are the gold conventions of the training pages
        (:mod:`boilerkit.conventions`)."""
        real = np.asarray(real, dtype=bool)
        site_of_row = split_rows(X_augmented)[0] if groups is None else np.asarray(groups)
        _, corpus_lines = self._fit(X, y, site_of_row[real])
        batch = self._batch_of(X_augmented)
        batch.conventions = conventions
        batch.line_counts = self.line_counts_
        if self.token_weights_ is not None:
            batch.token_scores = self._cross_fitted_scores(batch, np.asarray(y_augmented), real, groups)
        return self._with_held_out_doc_freq(feature_matrix(batch, self.feature_names_), X_augmented, corpus_lines,
                                            site_of_row)

    def _with_held_out_doc_freq(self, Xt: np.ndarray, X, corpus_lines: CorpusLines | None,
                                groups: np.ndarray | None = None) -> np.ndarray:
        """``Xt`` (the features of training rows ``X``) with each row's corpus line count
        taken without its own site's pages, as a new site's page gets it
        (:meth:`CorpusLines.held_out_doc_freq`): counted with them, a site's template vouched
        for itself in training, and five dumps of one page made its article a template."""
        if corpus_lines is not None and self.corpus_counts == "sites":
            Xt[:, list(self.feature_names_).index("corpus_doc_freq")] = corpus_lines.held_out_doc_freq(X, groups)
        return Xt

    def _cross_fitted_scores(self, batch: Batch, y: np.ndarray, real: np.ndarray | None = None,
                             groups: np.ndarray | None = None) -> np.ndarray:
        """Each token's weight learned without its own document's fold, or its group's (and
        only from ``real`` lines, if given)."""
        lines, buckets = batch.token_buckets
        fold_of_line = batch.doc if groups is None else np.asarray(groups, dtype=np.int64)
        fold_of_token = fold_of_line[lines] % LEXICAL_FOLDS
        is_content = y[lines] == 1
        learn_from = np.ones(len(lines), dtype=bool) if real is None else real[lines]
        scores = np.zeros(len(buckets), dtype=np.float32)
        if batch.n == 0 or batch.doc[-1] < 1:  # a single document: nothing to hold out
            return self.token_weights_[buckets]
        for fold in range(LEXICAL_FOLDS):
            held_out = fold_of_token == fold
            if held_out.any():
                learn = ~held_out & learn_from
                weights = lexical.log_count_ratios(buckets[learn], is_content[learn])
                scores[held_out] = weights[buckets[held_out]]
        return scores

    def transform(self, X):
        return self.features_of(X)

    def features_of(self, X, batch=None) -> np.ndarray:
        """:meth:`transform`, from ``X``'s batch where the caller has it (see
        :func:`boilerkit.features.compute_features`)."""
        check_is_fitted(self, "feature_names_")
        return compute_features(X, self.feature_names_, getattr(self, "line_counts_", {}),
                                getattr(self, "token_weights_", None), batch=batch, word_rule=self.word_rule,
                                convention=self.convention)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "feature_names_")
        return self.feature_names_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


LineFeatures.__module__ = "boilerkit.features"
