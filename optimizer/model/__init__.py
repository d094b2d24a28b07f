"""The snapshot siting model: one scenario in, one solved plan out.

Read in order of the data flow: ``scenario`` (the validated planning case) and ``technology``
(cost and scale figures with their ranges) → ``terms`` (the cost terms and the two objective
views), ``sites``, ``minerals``, ``markets`` and ``coefficients`` (the coefficient tables the
model reads) → ``milp`` (the PuLP problem; every constraint family is an ``add_*`` builder,
documented in ``docs/model.md``) with its facility-location core
(``optimizer.facility_location``) → ``solve`` and ``components`` (HiGHS or CBC, part by part) →
``extract``, ``kpis``, ``duals`` (the tables of a solution) → ``result`` (the typed Result) with
``drivers`` and ``why`` (what sets each chosen site apart). Only ``scenario`` and ``technology``
read files (the scenario TOML, the technology CSVs); nothing here prints.
"""

from .milp import ClusterModel, build_model

__all__ = ["ClusterModel", "build_model"]
