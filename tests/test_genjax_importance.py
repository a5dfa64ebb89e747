"""GenJAX's own importance sampling (``genjax.inference.init``, the data as constraints) gives the
same log marginal likelihood as the package's samplers and as exact enumeration."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from genjax import const, seed
from genjax.inference import init
from harness.exact_gmm import Prior, exact_posterior
from scipy import stats
from scipy.special import logsumexp

import genjax_gmm as gg

# Five points, three components (as in test_importance.py): small enough that prior proposals
# estimate p(x) well and exact enumeration (3^5 assignments) takes 0.1 s.
DATA = np.array([-1.0, -0.6, 0.2, 1.1, 1.4])
PRIOR = (1.0, 0.0, 1.0, 5.0, 1.0)  # α, m₀, s₀, a, b
K = 3
NUM_PARTICLES = 2**15  # as in test_marginal.py, whose compiled sampler this reuses in one pytest run
CONSTRAINTS = {"points": {"x": jnp.asarray(DATA)}}


@pytest.fixture(scope="module")
def exact_log_marginal() -> float:
    return exact_posterior(DATA, K, Prior(*PRIOR)).log_marginal_likelihood


def _genjax_particles(model, key, num_particles: int = NUM_PARTICLES):
    """``init``'s particle collection, compiled (eager tracing of its modular_vmap takes ~15 s)."""
    run = jax.jit(lambda key: seed(init)(key, model, (gg.GMMPrior(*PRIOR),), const(num_particles), CONSTRAINTS))
    return run(key)


@pytest.fixture(scope="module")
def marginal_particles():
    return _genjax_particles(gg.marginal_gmm(DATA.size, K), jax.random.key(1))


def test_genjax_init_weighs_each_particle_by_its_mixture_likelihood(marginal_particles):
    # Summing z out leaves log w_p = Σ_i log Σ_k π_k N(x_i; μ_k, σ_k²): the weight of
    # marginal_importance_resampling, so the two differ only in their random draws.
    particles = marginal_particles
    choices = particles.traces.get_choices()
    weights, means = np.asarray(choices["weights"]), np.asarray(choices["means"])
    stds = np.sqrt(np.asarray(choices["variances"]))
    for p in range(0, NUM_PARTICLES, NUM_PARTICLES // 16):
        densities = stats.norm.logpdf(DATA[:, None], means[p], stds[p]) + np.log(weights[p])
        assert float(particles.log_weights[p]) == pytest.approx(logsumexp(densities, axis=1).sum(), rel=1e-9)


def test_genjax_init_and_marginal_importance_resampling_agree_with_the_exact_marginal(
    marginal_particles, exact_log_marginal
):
    # Spread of log p̂(x) over 100 keys at 2^15 particles, measured: sd 0.0085 for both GenJAX init
    # and marginal_importance_resampling, means within 0.0005 of the exact value, largest deviation
    # 0.024. 0.04 is about 4.7 sd for each against the exact value; their difference has
    # sd ≈ 0.012, and 0.05 is about 4 sd.
    genjax_estimate = float(marginal_particles.log_marginal_likelihood())
    ours = gg.marginal_importance_resampling(
        jax.random.key(2), DATA, K, gg.GMMPrior(*PRIOR), NUM_PARTICLES, num_samples=4000
    ).log_marginal_likelihood
    assert genjax_estimate == pytest.approx(exact_log_marginal, abs=0.04)
    assert ours == pytest.approx(exact_log_marginal, abs=0.04)
    assert genjax_estimate == pytest.approx(ours, abs=0.05)
    # The tolerance resolves the model: a prior with means around 1 instead of 0 is far outside it.
    shifted = exact_posterior(DATA, K, Prior(1.0, 1.0, 1.0, 5.0, 1.0)).log_marginal_likelihood
    assert abs(shifted - exact_log_marginal) > 0.3


@pytest.mark.xfail(
    strict=True,
    raises=ValueError,
    reason="GenJAX 1.0.14: init batches generate with modular_vmap, which fails ('vmap got "
    "inconsistent sizes') on a categorical inside .repeat whose logits come from an earlier random "
    "choice, as z_i ~ Categorical(π) in bayesian_gmm; jax.vmap of generate (importance_resampling) "
    "works. Strict: when GenJAX fixes it, this test passes and must lose the mark.",
)
def test_genjax_init_and_importance_resampling_agree_on_the_joint_model(exact_log_marginal):
    # Prior proposals of z as well: noisier. Measured over 40 keys at 2^14 particles,
    # importance_resampling's log p̂(x) has sd 0.09; 0.35 is about 4 sd, 0.5 for the difference.
    # (GenJAX first, so that the known failure costs no sampling.)
    joint = gg.bayesian_gmm(DATA.size, K)
    genjax_estimate = float(_genjax_particles(joint, jax.random.key(3), 2**14).log_marginal_likelihood())
    ours = gg.importance_resampling(
        jax.random.key(4), DATA, K, gg.GMMPrior(*PRIOR), 2**14, num_samples=16
    ).log_marginal_likelihood
    assert ours == pytest.approx(exact_log_marginal, abs=0.35)
    assert genjax_estimate == pytest.approx(exact_log_marginal, abs=0.35)
    assert genjax_estimate == pytest.approx(ours, abs=0.5)
