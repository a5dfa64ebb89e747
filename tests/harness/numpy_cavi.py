"""An independent CAVI for the 1-D Bayesian GMM and the mean-field loss of one kind (NumPy/SciPy).

Written without ``genjax_gmm``'s variational code, to check ``gg.cavi``'s fixed point and ELBO.

* ``cavi``: the four mean-field updates from a hard start (each point given to the nearest of
  ``start_means``), run until the ELBO stops rising. The ELBO is assembled from SciPy's
  entropies: ELBO = E_q[log p(x, z, π, μ, σ²)] + H(q).
* ``mean_field_loss``: for the points of one kind, KL(q(μ) q(σ²) ‖ p(μ, σ² | x)) by 1-D quadrature
  over σ² = v, using p(σ² | x) ∝ InvGamma(v; a, b) N(x; m₀·1, v·I + s₀²·11ᵀ) (``exact_gmm``) and
  the Gaussian p(μ | v, x):

      KL = ∫ q(v) [log q(v) − log p(v | x)] dv + ∫ q(v) KL(N(m, s²) ‖ p(μ | v, x)) dv.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import integrate, stats
from scipy.special import digamma, gammaln, logsumexp

from .exact_gmm import Prior, log_component_marginal, log_component_marginal_given_variance


class Q(NamedTuple):
    responsibilities: np.ndarray  # (N, K) r_ik
    concentrations: np.ndarray  # (K,) q(π) = Dirichlet
    mean_locs: np.ndarray  # (K,) q(μ_k) = N(m_k, s_k²)
    mean_scales: np.ndarray
    var_shapes: np.ndarray  # (K,) q(σ²_k) = InvGamma(a_k, b_k)
    var_scales: np.ndarray


def elbo(x: np.ndarray, q: Q, prior: Prior) -> float:
    """E_q[log p(x, z, π, μ, σ²)] + H(q), every expectation and entropy written out."""
    r, alpha = q.responsibilities, q.concentrations
    num_components = alpha.size
    expected_log_weights = digamma(alpha) - digamma(alpha.sum())
    expected_precisions = q.var_shapes / q.var_scales
    expected_log_variances = np.log(q.var_scales) - digamma(q.var_shapes)
    expected_squares = (x[:, None] - q.mean_locs) ** 2 + q.mean_scales**2
    log_likelihood = -0.5 * (np.log(2 * np.pi) + expected_log_variances + expected_precisions * expected_squares)
    value = np.sum(r * (expected_log_weights + log_likelihood))
    value += gammaln(num_components * prior.concentration) - num_components * gammaln(prior.concentration)
    value += (prior.concentration - 1) * expected_log_weights.sum()
    value += np.sum(stats.norm.logpdf(q.mean_locs, prior.mean_loc, prior.mean_scale)
                    - q.mean_scales**2 / (2 * prior.mean_scale**2))
    value += np.sum(prior.var_shape * np.log(prior.var_scale) - gammaln(prior.var_shape)
                    - (prior.var_shape + 1) * expected_log_variances - prior.var_scale * expected_precisions)
    entropy = stats.dirichlet(alpha).entropy() + stats.norm(q.mean_locs, q.mean_scales).entropy().sum()
    entropy += stats.invgamma(q.var_shapes, scale=q.var_scales).entropy().sum()
    entropy -= np.sum(r[r > 0] * np.log(r[r > 0]))
    return float(value + entropy)


def cavi(x, start_means, prior: Prior, max_sweeps: int = 5000, tolerance: float = 1e-12) -> tuple[Q, np.ndarray]:
    """CAVI from the hard start ``start_means``: q(π), q(σ²), q(μ), then q(z) each sweep. Returns
    the final q and the ELBO after every sweep."""
    x = np.asarray(x, dtype=float)
    start_means = np.asarray(start_means, dtype=float)
    r = np.eye(start_means.size)[np.argmin((x[:, None] - start_means) ** 2, axis=1)]
    m, s = start_means, np.zeros(start_means.size)
    trace = []
    for _ in range(max_sweeps):
        counts = r.sum(axis=0)
        alpha = prior.concentration + counts
        a = prior.var_shape + counts / 2
        b = prior.var_scale + 0.5 * np.sum(r * ((x[:, None] - m) ** 2 + s**2), axis=0)
        precision = 1 / prior.mean_scale**2 + counts * a / b
        m = (prior.mean_loc / prior.mean_scale**2 + a / b * (r * x[:, None]).sum(axis=0)) / precision
        s = 1 / np.sqrt(precision)
        log_r = (digamma(alpha) - digamma(alpha.sum()) - 0.5 * (np.log(b) - digamma(a))
                 - 0.5 * a / b * ((x[:, None] - m) ** 2 + s**2))
        r = np.exp(log_r - logsumexp(log_r, axis=1, keepdims=True))
        q = Q(r, alpha, m, s, a, b)
        trace.append(elbo(x, q, prior))
        if len(trace) > 1 and trace[-1] - trace[-2] < tolerance:
            break
    return q, np.array(trace)


def mean_field_loss(x, mean_loc, mean_scale, var_shape, var_scale, prior: Prior) -> float:
    """KL(N(m, s²) InvGamma(a_k, b_k) ‖ p(μ, σ² | x)) for the points ``x`` of one kind (module docstring)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    log_evidence = log_component_marginal(x, prior)
    q_variance = stats.invgamma(var_shape, scale=var_scale)

    def integrand(u: float) -> float:  # in u = log v, with the Jacobian v
        v = np.exp(u)
        log_q = q_variance.logpdf(v)
        log_posterior = (log_component_marginal_given_variance(x, v, prior)
                         + stats.invgamma.logpdf(v, prior.var_shape, scale=prior.var_scale) - log_evidence)
        precision = 1 / prior.mean_scale**2 + n / v
        centre = (prior.mean_loc / prior.mean_scale**2 + x.sum() / v) / precision
        spread = mean_scale**2 + (mean_loc - centre) ** 2
        kl_mean = 0.5 * (-np.log(precision * mean_scale**2) + precision * spread - 1)
        return np.exp(log_q + u) * (log_q - log_posterior + kl_mean)

    centre = np.log(var_scale / (var_shape + 1))  # the mode of q(v), in log v
    value, _ = integrate.quad(integrand, centre - 20, centre + 20, points=[centre], limit=200, epsabs=1e-13)
    return float(value)


def posterior_mean_spread(x, prior: Prior) -> float:
    """The exact posterior standard deviation of μ for the points ``x`` of one kind:
    Var(μ | x) = E[τ²(v)] + Var[c(v)] over v ~ p(σ² | x), with p(μ | v, x) = N(c(v), τ²(v)), by
    1-D quadrature in u = log v."""
    x = np.asarray(x, dtype=float)
    log_evidence = log_component_marginal(x, prior)

    def moments(u: float) -> np.ndarray:
        v = np.exp(u)
        density = np.exp(log_component_marginal_given_variance(x, v, prior)
                         + stats.invgamma.logpdf(v, prior.var_shape, scale=prior.var_scale) - log_evidence + u)
        precision = 1 / prior.mean_scale**2 + x.size / v
        centre = (prior.mean_loc / prior.mean_scale**2 + x.sum() / v) / precision
        return density * np.array([1.0, centre, centre**2 + 1 / precision])

    peak = np.log(np.var(x) + prior.var_scale / x.size)
    total, first, second = (
        integrate.quad(lambda u, j=j: moments(u)[j], peak - 20, peak + 20, points=[peak], limit=200, epsabs=0,
                       epsrel=1e-11)[0]
        for j in range(3)
    )
    return float(np.sqrt(second / total - (first / total) ** 2))
