"""Phased (multi-period) build-out: decisions in time, production after permitting and
construction, imports meanwhile, credits by year and discounting.

``solve_phased`` is the entry point (``optimizer.phased.api``); submodules load on first use so
that ``optimizer.model.scenario`` can read ``optimizer.phased.periods`` without the model code.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "solve_phased": "api",
    "PhasedResult": "result",
    "phased_inputs": "inputs",
    "PhasedInputs": "inputs",
    "PeriodSpec": "periods",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(name)


__all__ = sorted(_EXPORTS)
