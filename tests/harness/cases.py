"""The tiny data sets and priors the tests share, and every real sampler as the engine's shared
tests see it (``SamplerCase``): its public function, its kernel, a Geweke model with the kernel
and a deliberately wrong one (the must-fail control), and an exact posterior on tiny data."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from genjax import seed
from scipy import stats

import genjax_gmm as gg
from genjax_gmm import multivariate as mv
from genjax_gmm.engine.chains import Kernel
from genjax_gmm.inference.dpmm import (
    ConcentrationKernel,
    ConcentrationState,
    PartitionKernel,
    PartitionState,
    cluster_statistics,
)
from genjax_gmm.inference.dpmm import make_sweep as make_partition_sweep
from genjax_gmm.inference.gibbs import Conditional, Conditionals, GibbsKernel, GibbsState, make_sweep
from genjax_gmm.multivariate.gibbs import (
    ComponentsConditional,
    MultivariateGibbsKernel,
    MultivariateGibbsState,
    components_conditional,
)
from genjax_gmm.multivariate.gibbs import make_sweep as make_multivariate_sweep

from .exact_gmm import Prior as GMMPriorFields
from .exact_gmm import exact_posterior as exact_gmm_posterior
from .exact_niw import Prior as NIWPriorFields
from .exact_niw import exact_posterior as exact_niw_posterior
from .exact_partitions import exact_posterior as exact_partition_posterior
from .exact_partitions import exact_posterior_integrating_alpha
from .geweke import GewekeModel

# --- tiny data and priors -----------------------------------------------------------------

TINY_1D = np.array([-2.1, -1.6, -2.4, 0.3, 1.9, 2.3, 1.5])
TINY_1D_PRIOR = (1.0, 0.0, 2.0, 3.0, 1.0)  # α, m₀, s₀, a, b
TINY_DP_PRIOR = gg.DPMMPrior(1.0, 0.0, 0.1, 2.0, 1.0)  # a spread-out posterior over K on TINY_1D
TINY_CONCENTRATION_PRIOR = gg.ConcentrationPrior(2.0, 2.0)  # α ~ Gamma(2, 2), mean 1

TINY_DATA = np.array(
    [[-1.2, -0.8], [-1.6, -1.1], [-0.9, -1.5], [1.1, 1.3], [1.5, 0.7], [0.8, 1.6], [0.2, -0.1], [1.9, 1.8], [-0.3, 0.4]]
)
TINY_PRIOR = dict(concentration=1.0, mean_loc=np.zeros(2), mean_pseudo_count=0.5, df=5.0, scale_matrix=2.0 * np.eye(2))


def niw_prior(**change) -> mv.NIWPrior:
    return mv.NIWPrior(**{**TINY_PRIOR, **change})


def spd(rng, dimension):
    root = rng.normal(size=(dimension, dimension))
    return root @ root.T + dimension * np.eye(dimension)


# --- Geweke models: exact joint draws (NumPy/SciPy), fresh data and label-free statistics ---

GIBBS_GEWEKE_PRIOR = gg.GMMPrior(concentration=1.0, mean_loc=0.0, mean_scale=1.0, var_shape=3.0, var_scale=2.0)
GIBBS_GEWEKE_POINTS, GIBBS_GEWEKE_K = 4, 3


def _gibbs_joint_draws(seed_: int, num_draws: int) -> tuple[GibbsState, np.ndarray]:
    """Independent draws of (π, μ, σ², z, x) from ``bayesian_gmm(4, 3)``."""
    rng = np.random.default_rng(seed_)
    prior, shape = GIBBS_GEWEKE_PRIOR, (num_draws, GIBBS_GEWEKE_K)
    weights = rng.dirichlet(np.full(GIBBS_GEWEKE_K, prior.concentration), size=num_draws)
    means = rng.normal(prior.mean_loc, prior.mean_scale, size=shape)
    variances = prior.var_scale / rng.gamma(prior.var_shape, size=shape)
    uniforms = rng.random((num_draws, GIBBS_GEWEKE_POINTS, 1))
    assignments = (uniforms > np.cumsum(weights, axis=1)[:, None, :-1]).sum(axis=-1).astype(np.int32)
    picked = lambda values: np.take_along_axis(values, assignments, axis=1)  # noqa: E731
    data = picked(means) + np.sqrt(picked(variances)) * rng.normal(size=assignments.shape)
    return GibbsState(weights, means, variances, assignments), data


def _gibbs_fresh_data(key, state: GibbsState):
    noise = jax.random.normal(key, state.assignments.shape)
    return state.means[state.assignments] + jnp.sqrt(state.variances[state.assignments]) * noise


def _gibbs_statistics(state: GibbsState, data) -> np.ndarray:
    own_means = jnp.take_along_axis(state.means, state.assignments, axis=-1)
    return np.asarray(
        jnp.stack(
            [
                jnp.sum(state.means, axis=-1),
                jnp.sum(jnp.log(state.variances), axis=-1),
                jnp.max(state.weights, axis=-1),
                jnp.mean(data**2, axis=-1),
                jnp.sum(own_means * data, axis=-1),
            ],
            axis=-1,
        )
    )


def _gibbs_coverage(state: GibbsState, data) -> None:
    assert all(np.all(np.isfinite(value)) for value in (*state[:3], data))  # empty components included
    counts = (np.asarray(state.assignments)[:, :, None] == np.arange(GIBBS_GEWEKE_K)).sum(axis=1)
    assert np.mean(counts == 0) > 0.2  # the chains visit empty components often


def _variances_without_the_half(stats_, means, prior):
    """σ²_k | … ~ InverseGamma(a + n_k/2, b + Σ(x − μ)²): the ½ of the scale forgotten (wrong)."""
    shape = prior.var_shape + 0.5 * stats_.counts
    scale = prior.var_scale + stats_.squared_deviations_from(means)
    return Conditional(sample=lambda key: scale / jax.random.gamma(key, shape), log_density=None)


DP_GEWEKE_PRIOR = gg.DPMMPrior(concentration=1.0, mean_loc=0.0, mean_pseudo_count=1.0, var_shape=3.0, var_scale=2.0)
DP_GEWEKE_POINTS = 4


def _dp_data_given_partition(key, labels):
    """x | z: every table's (μ, σ²) from the base measure, then each point from its table."""
    prior, size = DP_GEWEKE_PRIOR, labels.shape[0]
    key_var, key_mean, key_x = jax.random.split(key, 3)
    variances = prior.var_scale / jax.random.gamma(key_var, prior.var_shape, (size,))
    means = prior.mean_loc + jnp.sqrt(variances / prior.mean_pseudo_count) * jax.random.normal(key_mean, (size,))
    return means[labels] + jnp.sqrt(variances[labels]) * jax.random.normal(key_x, (size,))


def _dp_joint_draws(seed_: int, num_draws: int) -> tuple[PartitionState, jax.Array]:
    """Partitions from the CRP (``gg.chinese_restaurant``, itself checked against E[K]), data given them."""
    model = gg.chinese_restaurant(DP_GEWEKE_POINTS)

    def draw(key):
        key_z, key_x = jax.random.split(key)
        labels = seed(model.simulate)(key_z, DP_GEWEKE_PRIOR.concentration).get_retval()
        data = _dp_data_given_partition(key_x, labels)
        return PartitionState(labels, cluster_statistics(data, labels)), data

    return jax.jit(jax.vmap(draw))(jax.random.split(jax.random.key(seed_), num_draws))


def _dp_fresh_data(key, state: PartitionState):
    return _dp_data_given_partition(key, state.labels)


def _dp_statistics(state: PartitionState, data) -> np.ndarray:
    """Number of clusters (Σ 1/n_{z_i}), largest cluster, Σx², Σ_{i≠j same} x_i x_j."""
    labels = state.labels
    same = labels[:, :, None] == labels[:, None, :]
    counts = jnp.sum(same, axis=-1)
    pairs = jnp.sum(same * data[:, :, None] * data[:, None, :], axis=(1, 2)) - jnp.sum(data**2, axis=-1)
    return np.asarray(
        jnp.stack([jnp.sum(1.0 / counts, axis=-1), jnp.max(counts, axis=-1), jnp.sum(data**2, axis=-1), pairs], axis=-1)
    )


def _dp_coverage(state: PartitionState, data) -> None:
    assert np.all(np.isfinite(np.asarray(data)))
    num_clusters = np.asarray(jnp.sum(state.stats.counts > 0, axis=-1))
    assert set(num_clusters.tolist()) == {1, 2, 3, 4}  # every number of clusters is visited


def _ignore_table_sizes(counts, log_predictive, log_predictive_new, concentration):
    """Seating ∝ p(x | k) instead of n_k p(x | k) (wrong)."""
    return gg.seating_logits(jnp.minimum(counts, 1.0), log_predictive, log_predictive_new, concentration)


def _dp_concentration_joint_draws(seed_: int, num_draws: int) -> tuple[ConcentrationState, jax.Array]:
    """α ~ Gamma(2, 2) (NumPy), a partition from CRP(α) (``gg.chinese_restaurant``), data given it."""
    prior = TINY_CONCENTRATION_PRIOR
    alphas = np.random.default_rng(seed_).gamma(prior.shape, 1 / prior.rate, num_draws)
    model = gg.chinese_restaurant(DP_GEWEKE_POINTS)

    def draw(key, alpha):
        key_z, key_x = jax.random.split(key)
        labels = seed(model.simulate)(key_z, alpha).get_retval()
        data = _dp_data_given_partition(key_x, labels)
        return ConcentrationState(PartitionState(labels, cluster_statistics(data, labels)), alpha), data

    return jax.jit(jax.vmap(draw))(jax.random.split(jax.random.key(seed_), num_draws), jnp.asarray(alphas))


def _dp_concentration_statistics(state: ConcentrationState, data) -> np.ndarray:
    """The partition's statistics, α and log α."""
    alpha = np.asarray(state.concentration)[:, None]
    return np.concatenate([_dp_statistics(state.partition, data), alpha, np.log(alpha)], axis=1)


def _dp_concentration_coverage(state: ConcentrationState, data) -> None:
    _dp_coverage(state.partition, data)
    alpha = np.asarray(state.concentration)
    assert np.all(alpha > 0) and np.mean(alpha < 0.3) > 0.02 and np.mean(alpha > 2.5) > 0.02  # both tails


def _first_gamma_only(key, alpha, num_clusters, num_points, prior):
    """Escobar and West's update with the mixture's first Gamma only (wrong)."""
    key_eta, key_alpha = jax.random.split(key)
    eta = jax.random.beta(key_eta, alpha + 1.0, num_points)
    return jax.random.gamma(key_alpha, prior.shape + num_clusters) / (prior.rate - jnp.log(eta))


MV_GEWEKE_PRIOR = mv.NIWPrior(1.0, np.zeros(2), 1.0, 4.0, np.array([[1.0, 0.3], [0.3, 0.8]]))
MV_GEWEKE_POINTS, MV_GEWEKE_K = 4, 2


def _mv_fresh_data_of_batch(state, noise):
    """x_i = μ_{z_i} + L_{z_i} ε_i for a batch of states."""

    def pick(values):  # each point's component's entry of ``values`` (draws, K, …)
        index = state.assignments.reshape(*state.assignments.shape, *(1,) * (values.ndim - 2))
        return jnp.take_along_axis(values, index, axis=1)

    trils = jnp.linalg.cholesky(pick(state.covariances))
    return pick(state.means) + jnp.einsum("snde,sne->snd", trils, noise)


def _mv_joint_draws(seed_: int, num_draws: int):
    """Independent draws of (π, μ, Σ, z, x) from ``mv.bayesian_gmm(4, 2, 2)`` (NumPy/SciPy)."""
    rng = np.random.default_rng(seed_)
    prior = MV_GEWEKE_PRIOR
    weights = rng.dirichlet(np.full(MV_GEWEKE_K, prior.concentration), size=num_draws)
    covariances = stats.invwishart(prior.df, prior.scale_matrix).rvs(size=(num_draws, MV_GEWEKE_K), random_state=rng)
    trils = np.linalg.cholesky(covariances)
    means = prior.mean_loc + np.einsum(
        "skde,ske->skd", trils, rng.standard_normal((num_draws, MV_GEWEKE_K, 2))
    ) / np.sqrt(prior.mean_pseudo_count)
    uniforms = rng.random((num_draws, MV_GEWEKE_POINTS, 1))
    assignments = (uniforms > np.cumsum(weights, axis=1)[:, None, :-1]).sum(-1).astype(np.int32)
    state = MultivariateGibbsState(*(jnp.asarray(v) for v in (weights, means, covariances, assignments)))
    return state, _mv_fresh_data_of_batch(state, rng.standard_normal((num_draws, MV_GEWEKE_POINTS, 2)))


def _mv_fresh_data(key, state):
    one = jax.tree.map(lambda value: value[None], state)
    return _mv_fresh_data_of_batch(one, jax.random.normal(key, (1, MV_GEWEKE_POINTS, 2)))[0]


def _mv_statistics(state, data) -> np.ndarray:
    own_means = jnp.take_along_axis(state.means, state.assignments[..., None], axis=1)
    return np.asarray(
        jnp.stack(
            [
                jnp.sum(state.means[..., 0], axis=-1),
                jnp.sum(jnp.linalg.slogdet(state.covariances)[1], axis=-1),
                jnp.sum(state.covariances[..., 0, 1], axis=-1),
                jnp.max(state.weights, axis=-1),
                jnp.mean(data[..., 0] * data[..., 1], axis=-1),
                jnp.sum(own_means * data, axis=(-1, -2)),
            ],
            axis=-1,
        )
    )


def _mv_coverage(state, data) -> None:
    assert all(np.all(np.isfinite(np.asarray(value))) for value in (state.means, state.covariances, data))
    counts = (np.asarray(state.assignments)[:, :, None] == np.arange(MV_GEWEKE_K)).sum(axis=1)
    assert np.mean(counts == 0) > 0.1  # the chains visit empty components


def _scatter_counted_twice(stats_, prior):
    """Ψ_n = Ψ + 2 S₂ + …: a wrong covariance conditional."""
    exact = components_conditional(stats_, prior)
    return ComponentsConditional(
        exact.posterior._replace(scale=exact.posterior.scale + stats_.scatter), exact.concentration
    )


# --- the samplers ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SamplerCase:
    """A real sampler as the shared tests see it.

    ``run(key, data, num_sweeps, num_chains=4, burn_in=None, **options)`` is the public function
    on this case's model; ``kernel`` its kernel, ``broken_kernel`` the same with a wrong
    conditional; ``prior`` the prior the kernel is run with; ``fields`` the result's per-draw
    arrays. ``geweke`` and ``geweke_sweep(kernel)`` set up the joint-distribution test;
    ``exact_co_assignment`` is P(z_i = z_j | data) by enumeration, ``tolerance`` the largest error
    a run of ``exact_sweeps`` sweeps may show.
    """

    name: str
    run: Callable[..., Any]
    data: np.ndarray
    prior: Any
    other_prior: Any
    kernel: Kernel
    broken_kernel: Kernel
    fields: tuple[str, ...]
    geweke: GewekeModel
    geweke_sweep: Callable[[Kernel], Callable]
    geweke_coverage: Callable[[Any, Any], None]
    exact_co_assignment: Callable[[], np.ndarray]
    exact_sweeps: int
    tolerance: float
    label: str = ""  # the tests' id, when two cases share the public function's name

    def __repr__(self) -> str:
        return self.label or self.name


def _mixture_case(
    name: str,
    public: Callable[..., Any],
    num_components: int,
    prior: Any,
    kernel_type: type,
    broken_sweep: Callable,
    geweke: GewekeModel,
    geweke_prior: Any,
    geweke_points: int,
    **case: Any,
) -> SamplerCase:
    """The case of a blocked Gibbs sampler of a K-component mixture, ``public(key, data, K, prior,
    num_sweeps, …)``, whose Geweke model has ``geweke_prior`` and ``geweke_points`` points."""
    mask = jnp.ones(geweke_points)
    return SamplerCase(
        name=name,
        run=lambda key, data, *args, **options: public(
            key, data, num_components, options.pop("prior", prior), *args, **options
        ),
        prior=prior,
        kernel=kernel_type(num_components),
        broken_kernel=kernel_type(num_components, sweep=broken_sweep),
        geweke=geweke,
        geweke_sweep=lambda kernel: lambda key, state, x: kernel.step(key, state, x, geweke_prior, mask)[0],
        **case,
    )


def _one_dimensional_gibbs() -> SamplerCase:
    return _mixture_case(
        "gibbs",
        gg.gibbs,
        3,
        gg.GMMPrior(*TINY_1D_PRIOR),
        GibbsKernel,
        make_sweep(Conditionals(variances=_variances_without_the_half)),
        GewekeModel(_gibbs_joint_draws, _gibbs_fresh_data, _gibbs_statistics, num_chains=3000, num_steps=20),
        GIBBS_GEWEKE_PRIOR,
        GIBBS_GEWEKE_POINTS,
        data=TINY_1D,
        other_prior=gg.GMMPrior(2.0, 1.0, 3.0, 4.0, 0.5),
        fields=("weights", "means", "stds", "assignments", "log_joint"),
        geweke_coverage=_gibbs_coverage,
        exact_co_assignment=lambda: exact_gmm_posterior(TINY_1D, 3, GMMPriorFields(*TINY_1D_PRIOR)).co_assignment,
        exact_sweeps=5000,
        tolerance=0.03,
    )


def _dirichlet_process_gibbs() -> SamplerCase:
    mask = jnp.ones(DP_GEWEKE_POINTS)

    def geweke_sweep(kernel):
        def sweep(key, state, x):
            fresh = PartitionState(state.labels, cluster_statistics(x, state.labels))  # x is new
            return kernel.step(key, fresh, x, DP_GEWEKE_PRIOR, mask)[0]

        return sweep

    return SamplerCase(
        name="dpmm_gibbs",
        run=lambda key, data, *args, **options: gg.dpmm_gibbs(
            key, data, options.pop("prior", TINY_DP_PRIOR), *args, **options
        ),
        data=TINY_1D,
        prior=TINY_DP_PRIOR,
        other_prior=gg.DPMMPrior(2.0, 1.0, 0.5, 3.0, 2.0),
        kernel=PartitionKernel(),
        broken_kernel=PartitionKernel(sweep=make_partition_sweep(_ignore_table_sizes)),
        fields=("assignments", "num_clusters", "log_joint"),
        geweke=GewekeModel(_dp_joint_draws, _dp_fresh_data, _dp_statistics, num_chains=2000, num_steps=5),
        geweke_sweep=geweke_sweep,
        geweke_coverage=_dp_coverage,
        exact_co_assignment=lambda: exact_partition_posterior(TINY_1D, TINY_DP_PRIOR)[1],
        exact_sweeps=8000,
        tolerance=0.02,
    )


def _dirichlet_process_with_concentration() -> SamplerCase:
    mask = jnp.ones(DP_GEWEKE_POINTS)

    def geweke_sweep(kernel):
        def sweep(key, state, x):
            labels = state.partition.labels
            fresh = state._replace(partition=PartitionState(labels, cluster_statistics(x, labels)))  # x is new
            return kernel.step(key, fresh, x, (DP_GEWEKE_PRIOR, TINY_CONCENTRATION_PRIOR), mask)[0]

        return sweep

    def run(key, data, *args, **options):
        prior = options.pop("prior", TINY_DP_PRIOR)
        return gg.dpmm_gibbs(key, data, prior, *args, concentration_prior=TINY_CONCENTRATION_PRIOR, **options)

    shape, rate = TINY_CONCENTRATION_PRIOR.shape, TINY_CONCENTRATION_PRIOR.rate
    return SamplerCase(
        name="dpmm_gibbs",
        label="dpmm_gibbs, α ~ Gamma",
        run=run,
        data=TINY_1D,
        prior=(TINY_DP_PRIOR, TINY_CONCENTRATION_PRIOR),
        other_prior=gg.DPMMPrior(2.0, 1.0, 0.5, 3.0, 2.0),
        kernel=ConcentrationKernel(),
        broken_kernel=ConcentrationKernel(update=_first_gamma_only),
        fields=("assignments", "num_clusters", "log_joint", "concentration"),
        geweke=GewekeModel(
            _dp_concentration_joint_draws,
            lambda key, state: _dp_data_given_partition(key, state.partition.labels),
            _dp_concentration_statistics,
            num_chains=2000,
            num_steps=5,
        ),
        geweke_sweep=geweke_sweep,
        geweke_coverage=_dp_concentration_coverage,
        exact_co_assignment=lambda: exact_posterior_integrating_alpha(TINY_1D, TINY_DP_PRIOR, shape, rate)[1],
        exact_sweeps=8000,
        tolerance=0.02,
    )


def _multivariate_gibbs() -> SamplerCase:
    scale_matrix = np.array([[1.0, 0.2], [0.2, 3.0]])
    return _mixture_case(
        "mv.gibbs",
        mv.gibbs,
        2,
        niw_prior(),
        MultivariateGibbsKernel,
        make_multivariate_sweep(_scatter_counted_twice),
        GewekeModel(_mv_joint_draws, _mv_fresh_data, _mv_statistics, num_chains=3000, num_steps=15),
        MV_GEWEKE_PRIOR,
        MV_GEWEKE_POINTS,
        data=TINY_DATA,
        other_prior=niw_prior(concentration=2.0, mean_loc=np.ones(2), df=3.5, scale_matrix=scale_matrix),
        fields=("weights", "means", "covariances", "assignments", "log_joint"),
        geweke_coverage=_mv_coverage,
        exact_co_assignment=lambda: exact_niw_posterior(TINY_DATA, 2, NIWPriorFields(**TINY_PRIOR)).co_assignment,
        exact_sweeps=6000,
        tolerance=0.02,
    )


SAMPLER_CASES = {
    case.label or case.name: case
    for case in (
        _one_dimensional_gibbs(),
        _dirichlet_process_gibbs(),
        _dirichlet_process_with_concentration(),
        _multivariate_gibbs(),
    )
}
"""Every Markov chain sampler of the package, by its public name."""
