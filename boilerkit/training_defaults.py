"""Training settings the command line shows in its help.

They live here, apart from :mod:`boilerkit.model` and :mod:`boilerkit.adapt` that use them,
so that ``boilerkit --help`` can show them without importing scikit-learn (about 2 s).
"""

# Boosting rounds of the first pass (its probabilities only feed the second pass, which
# corrects them, so it needs fewer) and of the second pass.
FIRST_PASS_ITER = 120
SECOND_PASS_ITER = 200

DEFAULT_WEIGHT = 10.0
"""Sample weight of the lines of the user's pages when adapting a model to a site
(:mod:`boilerkit.adapt`; base data: 1).  From ``benchmarks/site_adaptation.py``
(CleanPortalEval sites, 3 corrected pages, 150 base pages): with the one-pass model 10
copies of the pages beat 1 copy (mean character F1 0.980 against 0.968, base 0.963; 30
copies 0.980); with the two-pass model copies leak (see :mod:`boilerkit.adapt`) and 10 did
no better than 1.  Weight 10 itself on the two-pass model is still to be measured: the runs
did not fit in the time of the shared machine."""
