"""The snapshot siting model: one scenario in, one solved plan out.

Read in order of the data flow: ``scenario`` (the validated planning case) and ``technology``
(cost and scale figures with their ranges) → ``sites``, ``minerals``, ``markets`` and
``coefficients`` (the coefficient tables the model reads) → ``milp`` (the PuLP problem; every
constraint family is an ``add_*`` builder, documented in ``docs/model.md``) with its
facility-location core (``optimizer.facility_location``) → ``solve`` and ``components`` (HiGHS
or CBC, part by part) → ``extract``, ``kpis``, ``duals`` (the tables of a solution) →
``result`` (the typed Result) with ``drivers`` and ``why`` (what sets each chosen site apart).
No module here reads a file other than its own data or prints.
"""

from .milp import ClusterModel, build_model

__all__ = ["ClusterModel", "build_model"]
