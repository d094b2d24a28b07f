"""Benchmarks of clustersite: ``python -m benchmarks`` runs the workloads and prints one table.

Each workload runs in its own Python process (``python -m benchmarks.workloads NAME``), so its
imports, its worker processes and nothing else count: wall time and CPU time (user + system of
the process and every child it waited for) are measured from outside, and the workload reports
its figure of merit (objective, runs per second, proven gap, ...). The first row is always the
bare import of the libraries the project uses, timed in the same run, so figures from machines
that differ can be read as multiples of it. The ``bench_*.py`` scripts print the detail of one
area each (modes, per-instance tables) and stay runnable on their own.
"""
