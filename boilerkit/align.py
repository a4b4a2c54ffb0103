"""Label the lines of a plain-text dump from a clean ("gold") text of the same page.

A line is content (1) when its words are a piece of the gold text *at the place where the
gold has them*; everything else is clutter (0).  This is the rule the shipped data set was
labelled with (see ``shared/data/README.md``, "How the labels were made"), and the rule
the quality benchmark uses to map a peer extractor's output text onto the dump lines, so
that peers and boilerkit are scored alike.

The method, in the order :func:`align_labels` applies it:

1. **Normalise and tokenise** both sides (:func:`normalize`, :func:`tokenize`), after
   removing what a converter adds that is not the page's text
   (:func:`boilerkit.markup.visible_lines`: Markdown link targets, whole or broken over
   lines, and image syntax, lynx's ``[12]`` link numbers, Markdown escapes), so that
   ``[Home](/)`` or ``[12]Home`` matches the gold's "Home".  The gold is read the same way,
   for a gold copied with Markdown or with glued footnote links.  Markdown emphasis needs
   nothing: ``*``, ``_``, ``#`` and backticks are not word characters for
   :data:`TOKEN_PATTERN`.
2. **Match long lines** (>= 3 tokens) with word 3-grams.  The 3-gram matches of a line vote
   for an offset into the gold; only matches near a winning offset count, so a line is
   matched against one contiguous gold passage.  A line whose words occur several times in
   the gold gets one :class:`_Match` per passage.  Lines with at least half their tokens
   covered are *candidates*.
3. **Chain** the candidates in dump order against increasing, non-overlapping gold positions,
   maximising covered tokens (a weighted longest-increasing-subsequence).  Of text repeated
   in the page (``<title>`` and ``<h1>``, a teaser, a "most read" box) only the copy that
   fits the gold order and sits next to the rest of the content is kept.  Off-chain
   candidates that match gold text nothing else matched stay content when nearly fully
   covered (the gold lists those blocks in another order).
4. **Short candidates** (3-5 tokens) need support: a neighbouring matched line close both
   in the dump and in the gold.
5. **Walk** outwards from the content lines: a short line becomes content when its words
   are the unused gold words right after (or right before) the gold text reached so far.
6. Lines without any word token are content when sandwiched between content lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .markup import visible_lines, visible_text

# --- Thresholds.  Values are those of the data set's labelling rule (README, "How the
# --- labels were made") where it states one; the others were tuned on that data set with
# --- benchmarks/label_agreement.py (agreement with the shipped labels).

NGRAM = 3
"""Word n-gram length used to match lines to the gold (README step 1: word 3-grams)."""

MIN_MATCH_TOKENS = NGRAM
"""Lines with fewer tokens cannot hold a 3-gram; they are placed by the walk (README step 4)."""

CANDIDATE_MIN_COVERAGE = 0.5
"""Share of a line's tokens that must be covered to make it a candidate (README step 1, the
"majority label" of mixed lines)."""

OFF_CHAIN_MIN_COVERAGE = 0.8
"""Coverage an off-chain candidate needs to stay content on its own (README step 2)."""

OFF_CHAIN_MIN_UNUSED = 0.5
"""Share of an off-chain candidate's gold tokens that must be unmatched by any other line
for it to count as "gold text that nothing else matched" (tuned)."""

SHORT_MAX_TOKENS = 5
"""Candidates of 3..SHORT_MAX_TOKENS tokens need a supporting neighbour (README step 3)."""

SUPPORT_MAX_LINE_GAP = 3
"""A supporting neighbour is at most this many dump lines away (tuned)."""

SUPPORT_MAX_GOLD_GAP = 10
"""... and its gold passage at most this many gold tokens away (tuned)."""

WALK_PARTIAL_MAX_TOKENS = 6
"""Walked lines of up to this many tokens may match partially (README step 4)."""

WALK_PARTIAL_MIN_SHARE = 0.5
"""A partial walk match covers at least this share of the line's tokens and characters
(README step 4: "at least half of their tokens and characters")."""

WALK_MAX_GOLD_SKIP = 0
"""Unused gold tokens the walk may step over to reach the next line's words (tuned)."""

OFFSET_TOLERANCE_MIN = 3
"""3-gram matches within this many tokens of the winning offset count as one passage; it
absorbs a footnote marker or a dropped word (tuned)."""

OFFSET_TOLERANCE_SHARE = 0.1
"""... growing with the line's length, since long paragraphs drift more (tuned)."""

CHAIN_MAX_OVERLAP = 2
"""Gold tokens two consecutive chain lines may share (a word split across blocks; tuned)."""

MAX_MATCHES_PER_LINE = 64
"""Gold passages kept per line: copies of the same text in the gold, e.g. "Red light mode"
once per product of a grid (tuned: 8 cut such grids short; bounds work)."""

MAX_POSITIONS_PER_NGRAM = 64
"""Gold occurrences of one 3-gram that are looked at (bounds work on repetitive golds)."""

# --- Character sets (one place for them).

QUOTE_TRANSLATION = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    }
)
"""Typographic quotes and dashes mapped to their ASCII forms."""

CJK_RANGES = "\u2e80-\u2fff\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
"""Han, kana and bopomofo: scripts written without spaces, so every character is a token."""

TOKEN_PATTERN = re.compile(rf"[{CJK_RANGES}]|[^\W_{CJK_RANGES}]+")
"""A token is one CJK character or a run of other letters/digits; punctuation is ignored."""


def normalize(text: str) -> str:
    """NFKC, accents stripped, typographic quotes and dashes unified, case-folded."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", text).translate(QUOTE_TRANSLATION).casefold()


def tokenize(text: str) -> list[str]:
    """Word tokens of normalised ``text``: CJK characters are single tokens.

    >>> tokenize("Hello, wörld! 東京")
    ['hello', 'world', '東', '京']
    """
    return TOKEN_PATTERN.findall(normalize(text))


@dataclass(frozen=True)
class Alignment:
    """Line labels from a gold text, and how well the labelled content matches that gold.

    ``gold_coverage``: share of the gold's word tokens (bag of words) found on content lines.
    ``content_precision``: share of the content lines' word tokens (bag of words) in the gold.
    ``line_coverage``: per line, share of its tokens covered by a 3-gram match (0 for lines
    of fewer than 3 tokens), to explain decisions.
    """

    labels: np.ndarray
    gold_coverage: float
    content_precision: float
    line_coverage: np.ndarray


@dataclass(frozen=True)
class _Match:
    """One line matched against one contiguous gold passage."""

    line: int
    n_covered: int
    gold_positions: np.ndarray  # gold token positions matched by the line's 3-grams

    @property
    def start(self) -> int:
        return int(self.gold_positions[0])

    @property
    def end(self) -> int:
        return int(self.gold_positions[-1]) + 1


class _Gold:
    """The gold text as token ids, with a 3-gram index and a record of used tokens."""

    def __init__(self, tokens: list[str]):
        self.vocabulary: dict[str, int] = {}
        self.ids = [self.vocabulary.setdefault(t, len(self.vocabulary)) for t in tokens]
        self.tokens = tokens
        self.ngram_positions: dict[tuple[int, ...], list[int]] = {}
        for pos in range(len(self.ids) - NGRAM + 1):
            self.ngram_positions.setdefault(tuple(self.ids[pos : pos + NGRAM]), []).append(pos)
        self.used = np.zeros(len(tokens), dtype=bool)

    def __len__(self) -> int:
        return len(self.ids)

    def line_ids(self, tokens: list[str]) -> list[int]:
        """Token ids of a line; -1 for words the gold does not have."""
        return [self.vocabulary.get(t, -1) for t in tokens]


def _offset_tolerance(n_tokens: int) -> int:
    return max(OFFSET_TOLERANCE_MIN, int(OFFSET_TOLERANCE_SHARE * n_tokens))


def _ngram_hits(ids: list[int], gold: _Gold) -> tuple[np.ndarray, np.ndarray]:
    """(line position, gold position) of every 3-gram of the line found in the gold."""
    line_pos: list[int] = []
    gold_pos: list[int] = []
    for i in range(len(ids) - NGRAM + 1):
        gram = tuple(ids[i : i + NGRAM])
        if -1 in gram:
            continue
        positions = gold.ngram_positions.get(gram)
        if positions:
            positions = positions[:MAX_POSITIONS_PER_NGRAM]
            line_pos.extend([i] * len(positions))
            gold_pos.extend(positions)
    return np.asarray(line_pos, dtype=np.int64), np.asarray(gold_pos, dtype=np.int64)


def _passage_matches(line: int, ids: list[int], gold: _Gold) -> list[_Match]:
    """Matches of one line against contiguous gold passages, best first.

    Each 3-gram hit votes for the offset ``gold position - line position``; the offsets
    with most votes become passages, and the hits within the offset tolerance of a passage
    cover its tokens.
    """
    line_pos, gold_pos = _ngram_hits(ids, gold)
    if len(line_pos) == 0:
        return []
    offsets = gold_pos - line_pos
    values, votes = np.unique(offsets, return_counts=True)
    tolerance = _offset_tolerance(len(ids))
    centres: list[int] = []
    for value in values[np.argsort(-votes, kind="stable")]:
        if all(abs(value - c) > tolerance for c in centres):
            centres.append(int(value))
            if len(centres) == MAX_MATCHES_PER_LINE:
                break
    matches = []
    for centre in centres:
        near = np.abs(offsets - centre) <= tolerance
        covered = np.zeros(len(ids), dtype=bool)
        matched_gold = np.zeros(len(gold), dtype=bool)
        for k in range(NGRAM):
            covered[line_pos[near] + k] = True
            matched_gold[gold_pos[near] + k] = True
        matches.append(_Match(line, int(covered.sum()), np.flatnonzero(matched_gold)))
    matches.sort(key=lambda m: -m.n_covered)
    return matches


class _PrefixMax:
    """Fenwick tree of running maxima over gold end positions (for the chain DP)."""

    def __init__(self, size: int):
        self.size = size
        self.tree: list[tuple] = [(-1,)] * (size + 1)

    def update(self, index: int, value: tuple) -> None:
        index += 1
        while index <= self.size:
            if value > self.tree[index]:
                self.tree[index] = value
            index += index & -index

    def query(self, index: int) -> tuple:
        """Maximum over positions 0..index (inclusive)."""
        best: tuple = (-1,)
        index = min(index, self.size - 1) + 1
        while index > 0:
            if self.tree[index] > best:
                best = self.tree[index]
            index -= index & -index
        return best


def _order_preserving_chain(matches: list[_Match], gold_size: int) -> list[_Match]:
    """The chain of matches in increasing line order and increasing, non-overlapping gold
    positions that covers the most tokens.

    Ties go to the predecessor latest in the dump, so of two equal copies (``<title>`` and
    ``<h1>``) the one next to the following content wins; of two equal whole chains (the page
    holds the text twice) the one that ends first wins.  ``matches`` must be sorted by line.
    """
    if not matches:
        return []
    best_end = _PrefixMax(gold_size + 1)
    score = [0] * len(matches)
    previous = [-1] * len(matches)
    i = 0
    while i < len(matches):
        j = i
        while j < len(matches) and matches[j].line == matches[i].line:
            j += 1
        for k in range(i, j):  # a line's own passages cannot chain with each other
            found = best_end.query(matches[k].start + CHAIN_MAX_OVERLAP)
            base = found[0] if found[0] > 0 else 0
            previous[k] = found[2] if found[0] > 0 else -1
            score[k] = base + matches[k].n_covered
        for k in range(i, j):
            best_end.update(matches[k].end, (score[k], matches[k].line, k))
        i = j
    # Of equal chains the first wins: a page's hidden or repeated copy of the whole text
    # comes after the visible one.
    k = max(range(len(matches)), key=lambda m: (score[m], -matches[m].line))
    chain = []
    while k >= 0:
        chain.append(matches[k])
        k = previous[k]
    return chain[::-1]


def _closest_copies(chain: list[_Match], matches: list[_Match]) -> list[_Match]:
    """Swap each chain line for the copy of its gold text that sits closest to its chain
    neighbours (smallest larger dump gap to either neighbour; the first copy on ties).

    The chain fixes the gold order; among copies of one text between the same two chain
    neighbours (a list item's title in a teaser and as a heading) the order says nothing,
    nearness to the neighbouring content does.
    """
    copies: dict[tuple[int, int], list[_Match]] = {}
    for m in matches:
        copies.setdefault((m.start, m.end), []).append(m)
    chain = list(chain)
    for k, m in enumerate(chain):
        low = chain[k - 1].line if k > 0 else None
        high = chain[k + 1].line if k + 1 < len(chain) else None

        def farthest_neighbour(c: _Match) -> int:
            gaps = [c.line - low] if low is not None else []
            gaps += [high - c.line] if high is not None else []
            return max(gaps, default=0)

        between = [
            c
            for c in copies[(m.start, m.end)]
            if (low is None or c.line > low) and (high is None or c.line < high) and c.n_covered >= m.n_covered
        ]
        chain[k] = min(between, key=lambda c: (farthest_neighbour(c), c.line))
    return chain


def _is_short(n_tokens: int) -> bool:
    return n_tokens <= SHORT_MAX_TOKENS


def _gold_close(before: _Match, after: _Match) -> bool:
    """Whether ``after`` follows ``before`` in the gold within the support gap."""
    gap = after.start - before.end
    return -CHAIN_MAX_OVERLAP <= gap <= SUPPORT_MAX_GOLD_GAP


def _is_supported(match: _Match, placed: dict[int, _Match]) -> bool:
    """A short match is supported by a placed line close to it in the dump and the gold."""
    for distance in range(1, SUPPORT_MAX_LINE_GAP + 1):
        before = placed.get(match.line - distance)
        if before is not None and _gold_close(before, match):
            return True
        after = placed.get(match.line + distance)
        if after is not None and _gold_close(match, after):
            return True
    return False


def _place_candidates(candidates: list[list[_Match]], n_tokens: list[int], gold: _Gold) -> dict[int, _Match]:
    """Content lines from the candidates: chain, off-chain rescue, short-line support."""
    flat = sorted((m for ms in candidates for m in ms), key=lambda m: m.line)
    chain = {m.line: m for m in _closest_copies(_order_preserving_chain(flat, len(gold)), flat)}
    for m in chain.values():
        gold.used[m.gold_positions] = True
    for matches in candidates:
        if matches[0].line in chain:
            continue
        for m in matches:
            if m.n_covered < OFF_CHAIN_MIN_COVERAGE * n_tokens[m.line]:
                continue
            if (~gold.used[m.gold_positions]).mean() >= OFF_CHAIN_MIN_UNUSED:
                chain[m.line] = m
                gold.used[m.gold_positions] = True
                break
    placed = {line: m for line, m in chain.items() if not _is_short(n_tokens[line])}
    # Shorts are supported by long lines or by each other; grow until nothing changes.
    shorts = {line: m for line, m in chain.items() if _is_short(n_tokens[line])}
    changed = True
    while changed:
        changed = False
        for line, m in list(shorts.items()):
            others = {**placed, **{k: v for k, v in shorts.items() if k != line}}
            if _is_supported(m, others):
                placed[line] = m
                del shorts[line]
                changed = True
    for m in shorts.values():  # unsupported: give their gold back to the walk
        gold.used[m.gold_positions] = False
    for line in placed:
        gold.used[placed[line].gold_positions] = True
    return placed


def _walk_match(tokens: list[str], gold: _Gold, pointer: int, forward: bool) -> int | None:
    """Gold pointer after matching ``tokens`` at ``pointer`` (forward or backward), or None.

    The whole line must match unused gold tokens next to the pointer; lines of up to
    WALK_PARTIAL_MAX_TOKENS tokens may match with a contiguous part holding at least half
    their tokens and characters.
    """
    n = len(tokens)
    total_chars = sum(len(t) for t in tokens)
    parts = [(0, n)]
    if n <= WALK_PARTIAL_MAX_TOKENS:
        parts = sorted(
            ((a, b) for a in range(n) for b in range(a + 1, n + 1)), key=lambda ab: ab[0] - ab[1]
        )
    for skip in range(WALK_MAX_GOLD_SKIP + 1):
        for a, b in parts:
            m = b - a
            if m < WALK_PARTIAL_MIN_SHARE * n:
                break
            if sum(len(t) for t in tokens[a:b]) < WALK_PARTIAL_MIN_SHARE * total_chars:
                continue
            start = pointer + skip if forward else pointer - skip - m
            if start < 0 or start + m > len(gold):
                continue
            skipped = range(pointer, start) if forward else range(start + m, pointer)
            if gold.used[start : start + m].any() or any(gold.used[s] for s in skipped):
                continue
            if gold.tokens[start : start + m] == tokens[a:b]:
                gold.used[start : start + m] = True
                return start + m if forward else start
    return None


def _walk_from_content(
    line_tokens: list[list[str]], placed: dict[int, tuple[int, int]], walkable: np.ndarray, gold: _Gold
) -> None:
    """Extend ``placed`` (line -> gold start, end) outwards, line by line, in both directions.

    The walk steps over lines that do not match (a "Show all" link between list items, a
    menu between two headings) and goes on until it reaches the next content line; only the
    gold order, not the dump distance, keeps it local.
    """
    n_lines = len(line_tokens)
    for forward in (True, False):
        anchors = sorted(placed, reverse=not forward)
        step = 1 if forward else -1
        for anchor in anchors:
            start, end = placed[anchor]
            pointer = end if forward else start
            line = anchor + step
            while 0 <= line < n_lines and line not in placed:
                tokens = line_tokens[line]
                if tokens:
                    new_pointer = _walk_match(tokens, gold, pointer, forward) if walkable[line] else None
                    if new_pointer is not None:
                        placed[line] = (min(pointer, new_pointer), max(pointer, new_pointer))
                        pointer = new_pointer
                line += step


def _sandwiched_untokened(line_tokens: list[list[str]], labels: np.ndarray) -> np.ndarray:
    """Label lines without tokens 1 when the nearest token lines on both sides are content."""
    out = labels.copy()
    previous_label = 0
    pending: list[int] = []
    for i, tokens in enumerate(line_tokens):
        if not tokens:
            pending.append(i)
            continue
        if previous_label and labels[i]:
            out[pending] = 1
        pending = []
        previous_label = labels[i]
    return out


def _bag_overlap(gold_tokens: list[str], content_tokens: list[str]) -> tuple[float, float]:
    """(gold coverage, content precision) of two bags of words."""
    gold_bag, content_bag = Counter(gold_tokens), Counter(content_tokens)
    common = sum((gold_bag & content_bag).values())
    coverage = common / len(gold_tokens) if gold_tokens else 0.0
    precision = common / len(content_tokens) if content_tokens else 0.0
    return coverage, precision


def align_labels(lines: Sequence[str], gold: str) -> Alignment:
    """Label each dump line 1 (its words are gold text at the gold's place) or 0.

    >>> align_labels(["Menu", "The cat sat on the mat."], "The cat sat on the mat.").labels.tolist()
    [0, 1]
    """
    line_tokens = [tokenize(line) for line in visible_lines(list(lines))]
    n_tokens = [len(t) for t in line_tokens]
    gold_text = _Gold(tokenize(visible_text(gold)))
    line_coverage = np.zeros(len(lines))
    candidates: list[list[_Match]] = []
    for i, tokens in enumerate(line_tokens):
        if len(tokens) < MIN_MATCH_TOKENS:
            continue
        matches = _passage_matches(i, gold_text.line_ids(tokens), gold_text)
        if not matches:
            continue
        line_coverage[i] = matches[0].n_covered / len(tokens)
        good = [m for m in matches if m.n_covered >= CANDIDATE_MIN_COVERAGE * len(tokens)]
        if good:
            candidates.append(good)
    placed = _place_candidates(candidates, n_tokens, gold_text)
    walkable = np.array([0 < n < MIN_MATCH_TOKENS or _is_short(n) for n in n_tokens], dtype=bool)
    spans = {line: (m.start, m.end) for line, m in placed.items()}
    _walk_from_content(line_tokens, spans, walkable, gold_text)
    labels = np.zeros(len(lines), dtype=np.int8)
    labels[list(spans)] = 1
    labels = _sandwiched_untokened(line_tokens, labels)
    content_tokens = [t for tokens, y in zip(line_tokens, labels) if y for t in tokens]
    coverage, precision = _bag_overlap(gold_text.tokens, content_tokens)
    return Alignment(labels=labels, gold_coverage=coverage, content_precision=precision, line_coverage=line_coverage)


def align_text(lines: Sequence[str], extracted_text: str) -> np.ndarray:
    """Labels of the dump lines an extractor's output text covers (same rule as the gold).

    Empty output labels every line 0; the whole page text labels every line with words 1.
    """
    return align_labels(lines, extracted_text).labels
