"""Per-parameter summaries through ArviZ: sampler results as ArviZ data, and ArviZ's table.

Raw per-label averages are meaningless before relabelling. Chains start in different label
orders and may swap labels as they run, so "component 0" of one draw need not be "component 0"
of another: ``result.means.mean((0, 1))`` averages the kinds together into values no kind has,
and a per-parameter R-hat only measures how differently the chains happened to number their
components. ``to_inference_data`` therefore relabels every draw first (``relabel_by_mean``:
components in increasing order of their means; for vector means ``relabel_by_matching``, which
needs no coordinate that separates them), and ``summary`` always does.

``to_inference_data(result)`` lays a result out as ArviZ expects:

* ``posterior``: the parameters with dims (chain, draw, component, …); the assignments, one
  label per data point (dim ``point``), only on request, as they are num_draws × N integers;
* ``sample_stats``: ``lp``, the log joint log p(π, μ, σ², z, x) of every draw;
* ``observed_data``: ``x``, the data, if passed as ``data=`` (results do not hold their data).

Importance-resampling results become one chain of ``num_samples`` draws, and the particle filters'
results (``smc``, ``dpmm_smc``) one chain of their final particles resampled to equal weights
(``inference.smc.equally_weighted``). Each result type has a
``ResultLayout`` (its variables, their dims and its relabelling) in ``LAYOUTS``: the results of
``gibbs``, ``importance_resampling`` and ``marginal_importance_resampling`` (both an
``ImportanceResult``), ``dpmm_gibbs`` (its label-free number of clusters; the partition's labels
only as they are), ``mv.gibbs`` (means with a ``coordinate`` dim, covariances with ``row`` and
``column``) and draws from a variational approximation (``VariationalDraws``,
``MultivariateVariationalDraws``: one chain of independent draws). Another sampler's result is
converted by the same code once its layout is registered (``register_layout``).

ArviZ version. ArviZ ≥ 1.0 (pinned: 1.3, the current release, which installs beside the
course's pins and is what PyMC 6 uses) returns an ``xarray.DataTree``; ArviZ 0.x returns an
``InferenceData``. Both are supported, because Colab preinstalls ArviZ 0.2x and the course's
install cell must not replace it (``pyproject.toml`` admits ``arviz>=0.20,<2``): only the calls
into ``from_dict`` and ``summary`` differ (see ``_from_dict`` and ``_interval_arguments``).
tests/test_arviz.py passes with ArviZ 1.3.0, 0.23.4, 0.22.0 and 0.20.0. ArviZ is imported on
first use, so importing ``genjax_gmm`` stays as fast as before (ArviZ takes ~1 s to import).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ..inference.dpmm import DPMMResult
from ..inference.dpmm_smc import DPMMSMCResult
from ..inference.gibbs import GibbsResult
from ..inference.importance import ImportanceResult
from ..inference.smc import SMCResult, equally_weighted
from ..multivariate.gibbs import MultivariateGibbsResult
from ..validation import check_finite, check_scalar
from ..variational.draws import MultivariateVariationalDraws, VariationalDraws
from .labels import relabel_by_matching, relabel_by_mean

__all__ = ["Variable", "ResultLayout", "LAYOUTS", "register_layout", "to_inference_data", "summary"]

DEFAULT_HDI_PROB = 0.94
"""The highest-density interval ``summary`` reports (ArviZ 0.x's default; 1.x defaults to 0.89)."""


@dataclasses.dataclass(frozen=True)
class Variable:
    """One array of a result: ``attribute`` on the result, stored as ``name`` in ``group`` with
    ``dims`` after the sample axes. ``labelled`` arrays are indexed by, or hold, component
    labels, so they are meaningful only after relabelling. Arrays with a ``point`` dim (one entry
    per data point) are exported only on request."""

    attribute: str
    dims: tuple[str, ...] = ()
    group: str = "posterior"
    name: str | None = None
    labelled: bool = False
    optional: bool = False  # left out when the result holds None (e.g. α, when it was fixed)

    @property
    def arviz_name(self) -> str:
        return self.name or self.attribute

    @property
    def per_point(self) -> bool:
        return "point" in self.dims


@dataclasses.dataclass(frozen=True)
class ResultLayout:
    """How a result type maps to ArviZ: its ``variables``; ``relabel``, which returns the result
    with consistent labels in every draw (None if it has none); ``equal_weights``, which turns
    weighted particles into equally weighted draws (None for draws that are already); the dims of
    its data (``observed_dims``); and the scalar fields recorded as attributes of the posterior."""

    variables: tuple[Variable, ...]
    relabel: Callable[[Any], Any] | None = None
    equal_weights: Callable[[Any], Any] | None = None
    observed_dims: tuple[str, ...] = ("point",)
    attributes: tuple[str, ...] = ()


_COMPONENT_PARAMETERS = tuple(
    Variable(name, ("component",), labelled=True) for name in ("weights", "means", "stds")
)
_ASSIGNMENTS = Variable("assignments", ("point",), labelled=True)

_LOG_JOINT = Variable("log_joint", group="sample_stats", name="lp")

_MULTIVARIATE_COMPONENTS = (
    Variable("weights", ("component",), labelled=True),
    Variable("means", ("component", "coordinate"), labelled=True),
    Variable("covariances", ("component", "row", "column"), labelled=True),
)

LAYOUTS: dict[type, ResultLayout] = {
    GibbsResult: ResultLayout(
        variables=(*_COMPONENT_PARAMETERS, _ASSIGNMENTS, _LOG_JOINT),
        relabel=relabel_by_mean,
        attributes=("burn_in",),
    ),
    ImportanceResult: ResultLayout(
        variables=(*_COMPONENT_PARAMETERS, _ASSIGNMENTS),
        relabel=relabel_by_mean,
        attributes=("log_marginal_likelihood", "effective_sample_size"),
    ),
    MultivariateGibbsResult: ResultLayout(
        variables=(*_MULTIVARIATE_COMPONENTS, _ASSIGNMENTS, _LOG_JOINT),
        relabel=relabel_by_matching,
        observed_dims=("point", "coordinate"),
        attributes=("burn_in",),
    ),
    # Independent draws from a variational approximation q (``result.sample(key, n)`` of ``cavi``,
    # ``mv.cavi``; ``advi``'s ``draws``): one chain, no log joint.
    VariationalDraws: ResultLayout(variables=(*_COMPONENT_PARAMETERS, _ASSIGNMENTS), relabel=relabel_by_mean),
    MultivariateVariationalDraws: ResultLayout(
        variables=(*_MULTIVARIATE_COMPONENTS, _ASSIGNMENTS),
        relabel=relabel_by_matching,
        observed_dims=("point", "coordinate"),
    ),
    # The partition's labels are arbitrary and nothing orders them: only the label-free number of
    # clusters (and α, when it was sampled) is a posterior variable; the labels are exported as
    # they are (relabel=False).
    DPMMResult: ResultLayout(
        variables=(Variable("num_clusters"), Variable("concentration", optional=True), _ASSIGNMENTS, _LOG_JOINT),
        attributes=("burn_in",),
    ),
    # Particle filters: the final particles resampled to equal weights, one chain.
    SMCResult: ResultLayout(
        variables=(*_COMPONENT_PARAMETERS, _ASSIGNMENTS),
        relabel=relabel_by_mean,
        equal_weights=equally_weighted,
        attributes=("log_marginal_likelihood",),
    ),
    DPMMSMCResult: ResultLayout(
        variables=(Variable("num_clusters"), _ASSIGNMENTS),
        equal_weights=equally_weighted,
        attributes=("log_marginal_likelihood",),
    ),
}
"""The layout of every result type ``to_inference_data`` converts."""


def register_layout(result_type: type, layout: ResultLayout) -> None:
    """Let ``to_inference_data`` and ``summary`` convert results of ``result_type``."""
    if not isinstance(result_type, type):
        raise TypeError(f"result_type must be a class, got {type(result_type).__name__}")
    if not isinstance(layout, ResultLayout):
        raise TypeError(f"layout must be a ResultLayout, got {type(layout).__name__}")
    LAYOUTS[result_type] = layout


def _layout_of(result) -> ResultLayout:
    for cls in type(result).__mro__:
        if cls in LAYOUTS:
            return LAYOUTS[cls]
    supported = ", ".join(sorted(cls.__name__ for cls in LAYOUTS))
    raise TypeError(f"result must be one of {supported}, got {type(result).__name__}")


def _check_shape(result, variable: Variable) -> None:
    """``result.<variable.attribute>`` is present with one or two sample axes before its dims."""
    value = getattr(result, variable.attribute)
    if value is None:
        raise ValueError(
            f"result holds no {variable.attribute} (e.g. gibbs(..., keep_assignments=False)); "
            f"pass assignments=False"
        )
    if np.ndim(value) - len(variable.dims) not in (1, 2):
        dims = "".join(f", {dim}" for dim in variable.dims)
        raise ValueError(
            f"result.{variable.attribute} must have shape (chain, draw{dims}) or (draw{dims}), "
            f"got shape {np.shape(value)}"
        )


def _with_chain_axis(variable: Variable, value) -> np.ndarray:
    """``value`` as a NumPy array with leading (chain, draw) axes: a (draw, …) array of
    independent draws becomes one chain."""
    array = np.asarray(value)
    return array[None] if array.ndim == len(variable.dims) + 1 else array


def _observed(data, layout: ResultLayout, exported: dict[str, np.ndarray]) -> np.ndarray:
    """``data`` validated against the layout and the exported per-point arrays."""
    array = check_finite(data, "data")
    if array.ndim != len(layout.observed_dims):
        raise ValueError(
            f"data must have {len(layout.observed_dims)} dimension(s) ({', '.join(layout.observed_dims)}), "
            f"got shape {array.shape}"
        )
    for name, values in exported.items():
        if values.shape[2] != array.shape[0]:
            raise ValueError(f"data has {array.shape[0]} points but the result's {name} has {values.shape[2]}")
    return array


def _arviz_major() -> int:
    import arviz as az

    return int(az.__version__.split(".")[0])


def _from_dict(groups: dict[str, dict[str, np.ndarray]], dims: dict[str, list[str]]):
    """ArviZ's ``from_dict``: a DataTree (ArviZ ≥ 1.0) or an InferenceData (0.x)."""
    import arviz as az

    if _arviz_major() >= 1:
        return az.from_dict(groups, dims=dims)
    return az.from_dict(**groups, dims=dims)


def to_inference_data(result, relabel: bool = True, assignments: bool = False, *, data=None):
    """``result`` as ArviZ data (an ``xarray.DataTree`` with ArviZ ≥ 1.0, an ``InferenceData``
    with 0.x): groups ``posterior`` (weights, means, stds; dims chain, draw, component),
    ``sample_stats`` (``lp``, the log joint, for MCMC results) and, with ``data=``, ``observed_data``.

    ``relabel`` (default True) first relabels every draw (``relabel_by_mean`` for scalar means,
    ``relabel_by_matching`` for vector means), so that a component means the same thing in every
    draw and chain; without it, per-component
    averages and R-hats are meaningless (see the module docstring). ``assignments=True`` also
    exports the assignments (dims chain, draw, point). Importance-resampling draws become one chain,
    as do a particle filter's final particles, resampled to equal weights first.
    """
    layout = _layout_of(result)
    if not isinstance(relabel, bool):
        raise TypeError(f"relabel must be True or False, got {relabel!r}")
    if not isinstance(assignments, bool):
        raise TypeError(f"assignments must be True or False, got {assignments!r}")
    wanted = [
        variable
        for variable in layout.variables
        if (assignments or not variable.per_point)
        and not (variable.optional and getattr(result, variable.attribute) is None)
    ]
    for variable in wanted:
        _check_shape(result, variable)
    if layout.equal_weights is not None:
        result = layout.equal_weights(result)
    if relabel:
        if layout.relabel is None and any(variable.labelled for variable in wanted):
            raise ValueError(f"{type(result).__name__} has no relabelling; pass relabel=False")
        result = layout.relabel(result) if layout.relabel is not None else result
    groups: dict[str, dict[str, np.ndarray]] = {}
    for variable in wanted:
        groups.setdefault(variable.group, {})[variable.arviz_name] = _with_chain_axis(
            variable, getattr(result, variable.attribute)
        )
    dims = {variable.arviz_name: list(variable.dims) for variable in wanted}
    if data is not None:  # checked against every per-point array the result holds, exported or not
        per_point = {
            v.arviz_name: _with_chain_axis(v, getattr(result, v.attribute))
            for v in layout.variables
            if v.per_point and getattr(result, v.attribute) is not None
        }
        groups["observed_data"] = {"x": _observed(data, layout, per_point)}
        dims["x"] = list(layout.observed_dims)
    converted = _from_dict(groups, dims)
    converted["posterior"].attrs.update(
        {name: getattr(result, name) for name in layout.attributes}, inference_library="genjax_gmm"
    )
    return converted


def _interval_arguments(hdi_prob: float) -> dict[str, Any]:
    """ArviZ ≥ 1.0 asks for the interval kind (its default is the equal-tailed one), 0.x for
    the HDI probability alone."""
    return {"ci_prob": hdi_prob, "ci_kind": "hdi"} if _arviz_major() >= 1 else {"hdi_prob": hdi_prob}


def summary(result, var_names: Sequence[str] | None = None, hdi_prob: float = DEFAULT_HDI_PROB, **arviz_options):
    """ArviZ's summary table of the relabelled parameters: per parameter the posterior mean,
    sd, ``hdi_prob`` highest-density interval, MCSE, bulk and tail ESS and R-hat, ArviZ's
    rank-normalised split R-hat (Vehtari et al. 2021; > 1.01 means keep sampling).

    Every draw is relabelled first (as by ``to_inference_data``): raw per-label averages are meaningless
    before relabelling, because the chains number the components differently. ``var_names``
    (default: every posterior variable but the assignments) selects rows; other keyword
    arguments go to ``arviz.summary`` (e.g. ``kind="stats"``). For importance resampling the
    ESS columns count resampled draws, repeats included; ``result.effective_sample_size`` is
    the importance ESS, and R-hat, which needs two chains, is NaN.
    """
    try:  # a Python, NumPy or JAX number, read as the shortest decimal of its own precision (float32 0.9 → 0.9)
        check_scalar(hdi_prob, "hdi_prob")
        probability = float(np.format_float_positional(np.asarray(hdi_prob)[()]))
    except (TypeError, ValueError):
        probability = float("nan")
    if not 0 < probability < 1:
        raise ValueError(f"hdi_prob must be a probability strictly between 0 and 1, got {hdi_prob!r}")
    converted = to_inference_data(result, relabel=True)
    exported = set(converted["posterior"].data_vars)
    available = [v.arviz_name for v in _layout_of(result).variables if v.arviz_name in exported]  # layout order
    if var_names is None:
        var_names = available
    elif (
        isinstance(var_names, str)
        or not isinstance(var_names, Iterable)
        or not (var_names := list(var_names))
        or any(not isinstance(name, str) or name not in available for name in var_names)
    ):
        raise ValueError(f"var_names must be a non-empty list of names among {available}, got {var_names!r}")
    import arviz as az

    # Draws that do not vary (e.g. importance resampling's copies of one particle) make ArviZ divide
    # 0 by 0: their table entries are NaN, which says it, without NumPy's RuntimeWarnings.
    with np.errstate(divide="ignore", invalid="ignore"):
        return az.summary(converted, var_names=var_names, **_interval_arguments(probability), **arviz_options)
