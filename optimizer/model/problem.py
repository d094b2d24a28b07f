"""The PuLP problem every siting model is built in: ``pulp.LpProblem`` whose variable list is
worked out once per change of the model, not on every call.

``pulp.LpProblem.variables()`` walks every term of the objective and of every constraint, then
sorts the variables by name, each time it is called; PuLP's HiGHS interface, the duals, the
independent-parts split and the county search call it many times per solve. On the county model
(about 240,000 columns, 31,000 rows) the calls took 6 s of a 48 s solve. Here the list is kept
until the model changes in a way that can add a variable: another objective, another number of
rows, or another number of terms in the objective or in the rows together (PuLP refuses a second
row of the same name, so a row is not replaced in place).
"""

from __future__ import annotations

import pulp


class SitingProblem(pulp.LpProblem):
    """``pulp.LpProblem`` with :meth:`variables` kept between changes of the model (the same
    list, in the same name order, as PuLP's)."""

    def variables(self) -> list[pulp.LpVariable]:
        """The problem's variables sorted by name (as ``pulp.LpProblem.variables``)."""
        key = self._shape()
        cached = self.__dict__.get("_variables_cache")
        if cached is not None and cached[0] == key:
            return cached[1]
        variables = super().variables()
        self.__dict__["_variables_cache"] = (key, variables)
        return variables

    def _shape(self) -> tuple[int, int, int, int]:
        """(objective identity, its term count, rows, every row's term count summed): what a
        change that adds a variable changes."""
        objective = self.objective
        rows = self._constraints
        terms = sum(len(c) for c in rows.values())
        return (id(objective), len(objective) if objective is not None else 0, len(rows), terms)
