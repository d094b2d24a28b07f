"""Machinery for analyses that solve a scenario many times.

``specs`` (a run as a JSON spec applied to scenario, data and technology) → ``compiled`` (the
siting MILP held in HiGHS and patched per run, with ``model_index`` mapping ids to columns and
rows) → ``evaluator`` (one spec in, one small ``payload`` out) → ``parallel`` (runs fanned out
over processes or a Dask cluster) with ``checkpoint`` (resume after a kill) and ``progress``
(terminal lines, ``terminal`` escaping user text). ``highs_session`` holds one PuLP problem in
HiGHS for the staged solves of near-optimal alternatives and the hindcast.
"""
