"""Planner analyses built on the siting model: each re-solves it and says what it approximates.

``regret`` (force a site into each state), ``parameters`` (what a run can vary, with its range),
``sweep`` (one-at-a-time sweeps and the tornado), ``breakeven`` (where two scenarios swap ranks),
``montecarlo`` (Latin-hypercube samples: probability of each site), ``alternatives`` with
``alternatives_parts`` (near-optimal plans as different as can be), ``hindcast`` (solve as of a
past date, score against what was announced) and ``reality`` (the cost of the plan that really
happened). The public entry points are exported by ``optimizer``.
"""
