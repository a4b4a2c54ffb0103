"""Training settings the command line shows in its help.

They live here, apart from :mod:`boilerkit.model` and :mod:`boilerkit.adapt` that use them,
so that ``boilerkit --help`` can show them without importing scikit-learn (about 2 s).
"""

# Boosting rounds of the first pass (its probabilities only feed the second pass, which
# corrects them, so it needs fewer) and of the second pass, in all.
FIRST_PASS_ITER = 120
SECOND_PASS_ITER = 200

# The second pass is the mean (in log-odds) of this many ensembles, each fitted on its own
# draw of the out-of-fold first-pass probabilities, each with an equal share of the rounds
# at a learning rate to match: the same 200 trees to walk as one ensemble of 200 rounds at
# 0.1, so prediction costs the same, but a second pass less at the mercy of one draw (one
# changed training line used to flip 2.4% of a fold's labels; benchmarks/results/
# experiments.md, "Training is chaotic").  Site-grouped 3-fold CV (quality.py --only-fold K),
# char F1 news/blog / WCXB / Fundus against one ensemble: fold 1 +0.0007 / -0.0031 /
# +0.0013, fold 2 +0.0029 / +0.0032 / +0.0027, fold 3 +0.0006 / +0.0040 / -0.0020; pooled
# (quality.md) 0.9410 / 0.8918 / 0.9274 against 0.9410 / 0.8958 / 0.9286 for one ensemble
# before 15768ce: no measurable change in quality, kept for the variance it takes out at no
# cost in speed.  SECOND_PASS_DRAWS = 1 and a rate of 0.1 are the previous recipe exactly.
SECOND_PASS_DRAWS = 2
SECOND_PASS_LEARNING_RATE = 0.2

# How the line features count words (boilerkit.features.WORD_RULES): "spaces", the rule of
# every model before it, or "scripts", which also counts each kana and Han letter as a word
# (and as a token of the word features).  Site-grouped 3-fold CV (quality.py --only-fold K,
# each fold against "spaces" on the same machine and hour), char F1 on the shared dumps: the
# 8 Chinese, Japanese and Korean pages pooled 0.741 -> 0.863 (Yomiuri 0.00 -> 0.95, Nikkei
# 0.80 -> 0.95, a Yahoo Japan page 0.43 -> 1.00; a Japanese how-to page 0.96 -> 0.83), the
# pages not in English 0.9286 -> 0.9316; news/blog 0.9386 -> 0.9377, WCXB 0.8934 -> 0.8931,
# Fundus 0.9301 -> 0.9284, within what one changed training line moves a fold
# (benchmarks/results/experiments.md, "Words of scripts without spaces").
WORD_RULE = "scripts"

DEFAULT_WEIGHT = 10.0
"""Sample weight of the lines of the user's pages when adapting a model to a site
(:mod:`boilerkit.adapt`; base data: 1).  From ``benchmarks/site_adaptation.py``
(CleanPortalEval sites, 3 corrected pages, 150 base pages): with the one-pass model 10
copies of the pages beat 1 copy (mean character F1 0.980 against 0.968, base 0.963; 30
copies 0.980); with the two-pass model copies leak (see :mod:`boilerkit.adapt`) and 10 did
no better than 1.  Weight 10 itself on the two-pass model is still to be measured: the runs
did not fit in the time of the shared machine."""
