"""How reliable a loop's verdict is: a generalizability study from the model's variance
components, and the classical intraclass correlations of Shrout & Fleiss (1979).

With candidate (loop) variance s2_c, interviewer variance s2_i and residual s2_e (which holds
the candidate × interviewer interaction: one vote per pair cannot separate them), the mean vote
of a panel of k interviewers has

    relative reliability  E rho^2(k) = s2_c / (s2_c + s2_e / k)            (ICC(3,k))
    absolute reliability  Phi(k)     = s2_c / (s2_c + (s2_i + s2_e) / k)   (ICC(2,k))

Each candidate meets a different panel (interviewers nested in candidates), so an interviewer's
severity lands on their candidates' scores and counts as error: Phi is the reliability of our
design, and the panel size needed for 0.8 is read from it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:  # imported when a reliability is first computed, not at start-up (see barraiser.lazy)
    np = lazy_module("numpy")

PANEL_SIZES = range(1, 9)
TARGET_RELIABILITY = 0.8


def panel_reliability(candidate: float, interviewer: float, residual: float, k: int) -> tuple:
    """(E rho^2, Phi) of the mean vote of a panel of k; (None, None) with no variance at all."""
    relative_error, absolute_error = residual / k, (interviewer + residual) / k
    if candidate + absolute_error <= 0:
        return None, None
    relative = candidate / (candidate + relative_error) if candidate + relative_error > 0 else None
    return relative, candidate / (candidate + absolute_error)


def panel_size_for(
    candidate: float, interviewer: float, residual: float, target: float = TARGET_RELIABILITY
) -> int | None:
    """The smallest panel whose Phi reaches `target`; None when no panel can (no candidate
    variance). Phi(k) >= t  <=>  k >= t / (1 - t) · (s2_i + s2_e) / s2_c."""
    if candidate <= 0:
        return None
    needed = target / (1 - target) * (interviewer + residual) / candidate
    return max(1, math.ceil(needed - 1e-9))


def reliability_section(
    candidate: float | None, interviewer: float | None, residual: float | None
) -> dict[str, Any]:
    """The report's `reliability`: the components, Eρ² and Φ for panels of 1…8 and the panel
    size for 0.8; the components are None (and the list empty) when no model was fitted."""
    if candidate is None or interviewer is None or residual is None:
        return {"components": None, "by_panel_size": [], "panel_size_for_0_8": None}
    rows = []
    for k in PANEL_SIZES:
        relative, absolute = panel_reliability(candidate, interviewer, residual, k)
        rows.append({"k": k, "relative": relative, "absolute": absolute})
    return {
        "components": {"candidate": candidate, "interviewer": interviewer, "residual": residual},
        "by_panel_size": rows,
        "panel_size_for_0_8": panel_size_for(candidate, interviewer, residual),
    }


def shrout_fleiss(scores: Sequence[Sequence[float]]) -> dict[str, float]:
    """The six intraclass correlations of Shrout & Fleiss (1979) of a complete targets × judges
    table, from its two-way ANOVA mean squares: ICC(1,1), ICC(2,1), ICC(3,1) and their
    k-judge means ICC(1,k), ICC(2,k), ICC(3,k). A check on the model, which equals these
    estimators on such a balanced table."""
    table = np.asarray(scores, dtype=np.float64)
    n, k = table.shape
    grand = table.mean()
    between_targets = k * ((table.mean(axis=1) - grand) ** 2).sum()
    between_judges = n * ((table.mean(axis=0) - grand) ** 2).sum()
    total = ((table - grand) ** 2).sum()
    error = total - between_targets - between_judges
    bms = between_targets / (n - 1)
    jms = between_judges / (k - 1)
    ems = error / ((n - 1) * (k - 1))
    wms = (between_judges + error) / (n * (k - 1))
    return {
        "ICC(1,1)": (bms - wms) / (bms + (k - 1) * wms),
        "ICC(2,1)": (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n),
        "ICC(3,1)": (bms - ems) / (bms + (k - 1) * ems),
        "ICC(1,k)": (bms - wms) / bms,
        "ICC(2,k)": (bms - ems) / (bms + (jms - ems) / n),
        "ICC(3,k)": (bms - ems) / bms,
    }
