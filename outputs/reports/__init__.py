"""Reports a planner reads: the comparison report (``compare``), the analysis reports of regret,
sweeps, break-even and Monte Carlo (``analysis``), and the computed summary (``summary``)."""
