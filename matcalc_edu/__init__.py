"""matcalc-edu: matrix calculus for machine learning, as a graded Jupyter course.

Importing the package is cheap: numpy and the parser load now; sympy, matplotlib and ipywidgets
load the first time a function that needs them is called.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ._version import __version__

_EXPORTS = {
    "parse": "parser",
    "ExprError": "errors",
    "derive": "derivation",
    "Derivation": "derivation",
    "DerivationError": "derivation",
    "numeric_jacobian": "numerics",
    "gradient_check": "numerics",
    "check_answer": "grading",
    "Verdict": "grading",
    "exercises": "exercise_bank",
    "exercise": "exercise_bank",
    "check": "exercise_bank",
    "ExerciseWidget": "widget",
    "show_exercises": "widget",
    "progress": "progress_view",
    "identities": None,  # the submodule itself: matcalc_edu.identities.table()
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    """Load public names on first use (PEP 562), so ``import matcalc_edu`` stays fast."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'matcalc_edu' has no attribute {name!r}")
    module_name = _EXPORTS[name]
    if module_name is None:
        return import_module(f".{name}", __name__)
    return getattr(import_module(f".{module_name}", __name__), name)


def __dir__() -> list[str]:
    return sorted(__all__)
