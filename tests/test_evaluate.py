"""Scores: what a line weighs in char scores, and one page's counts."""

from __future__ import annotations

import pytest

from boilerkit.evaluate import char_weights, score_page


def test_a_line_weighs_its_visible_characters_without_whitespace():
    assert char_weights(["  Two words.", "[Home](/index.html) | [12]News", ""]).tolist() == [9, 9, 0]


def test_the_end_of_a_broken_link_target_weighs_nothing():
    lines = ["[Free Marathon Plan](/marathon-training-", "plan/13-week-beginner-marathon-training-plan)", "Read."]
    assert char_weights(lines).tolist() == [len("FreeMarathonPlan"), 0, 5]


def test_a_page_is_scored_by_its_lines_visible_characters():
    lines = ["[Menu](/menu-", "of-the-site)", "A paragraph of the article."]
    scores = score_page(lines, [0, 0, 1], [1, 1, 1])
    assert (scores.chars.tp, scores.chars.fp) == (len("Aparagraphofthearticle."), len("Menu"))
    assert scores.lines.fp == 1  # a line without visible characters is not a line of the page
    assert scores.chars.precision == pytest.approx(23 / 27)
