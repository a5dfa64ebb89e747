"""The variational factor q(π) of a mixture's weights, for the two weight priors of the package.

Coordinate ascent updates q(π) from the expected counts N_k = Σ_i r_ik (r_ik = q(z_i = k)); the
rest of the algorithm needs only E_q[log π_k] (in the assignments' update) and the weights' part
of the ELBO, E_q[log p(π)] − E_q[log q(π)] = −KL(q(π) ‖ p(π)).

* ``DIRICHLET``: π ~ Dirichlet(α·1_K). The optimal q(π) is Dirichlet(α_k = α + N_k), with
  E[log π_k] = ψ(α_k) − ψ(Σ_j α_j) (ψ the digamma function) and

      −KL = log Γ(Kα) − K log Γ(α) + (α − 1) Σ_k E[log π_k]
            − log Γ(Σ_k α_k) + Σ_k log Γ(α_k) − Σ_k (α_k − 1) E[log π_k].

  (For K = 1 both are 0: the one weight is 1.)

* ``STICK_BREAKING``: the Dirichlet process's weights, π_k = v_k Π_{j<k} (1 − v_j) with
  v_k ~ Beta(1, α), truncated in q (Blei and Jordan 2006, as scikit-learn's
  ``BayesianGaussianMixture``): the points use only the first K components. The optimal
  q(v_k) is Beta(γ_k1, γ_k2) with γ_k1 = 1 + N_k and γ_k2 = α + Σ_{j>k} N_j, and

      E[log π_k] = E[log v_k] + Σ_{j<k} E[log(1 − v_j)],
      E[log v] = ψ(γ₁) − ψ(γ₁ + γ₂),   E[log(1 − v)] = ψ(γ₂) − ψ(γ₁ + γ₂),
      −KL = Σ_k log α + (α − 1) E[log(1 − v_k)] + log B(γ_k1, γ_k2)
                 − (γ_k1 − 1) E[log v_k] − (γ_k2 − 1) E[log(1 − v_k)].

  The sticks beyond K keep their prior and hold no point, so they add nothing: the ELBO is a
  lower bound on the evidence of the untruncated Dirichlet-process mixture. The order of the
  components matters (a late stick gets less weight), so results keep it.

A factor's parameters are an array: α_k (K,) for the Dirichlet, (γ_k1, γ_k2) (K, 2) for the sticks.
The factors are frozen dataclasses, so they can be static arguments of compiled functions.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import jax
import jax.numpy as jnp
from jax.scipy.special import betaln, digamma, gammaln

from ..gamma import log_gamma
from ..models import weights_from_log_gamma

__all__ = ["WeightFactor", "DirichletWeights", "StickBreakingWeights", "DIRICHLET", "STICK_BREAKING", "WEIGHT_PRIORS"]


class WeightFactor(Protocol):
    """q(π) for one weight prior (module docstring), named as scikit-learn names the prior."""

    name: str

    def update(self, counts: jax.Array, concentration) -> jax.Array: ...

    def expected_log_weights(self, parameters: jax.Array) -> jax.Array: ...

    def negative_kl(self, parameters: jax.Array, concentration) -> jax.Array: ...

    def mean(self, parameters: jax.Array) -> jax.Array: ...

    def sample(self, key: jax.Array, parameters: jax.Array, num_draws: int) -> jax.Array: ...


@dataclasses.dataclass(frozen=True)
class DirichletWeights:
    """q(π) = Dirichlet(α_k) under the prior π ~ Dirichlet(α·1_K); parameters α_k (K,)."""

    name: str = "dirichlet_distribution"

    def update(self, counts, concentration):
        """α_k = α + N_k."""
        return concentration + counts

    def expected_log_weights(self, parameters):
        """E[log π_k] = ψ(α_k) − ψ(Σ_j α_j)."""
        return digamma(parameters) - digamma(jnp.sum(parameters))

    def negative_kl(self, parameters, concentration):
        """E[log p(π)] − E[log q(π)]."""
        num_components = parameters.shape[-1]
        expected = self.expected_log_weights(parameters)
        log_prior = gammaln(num_components * concentration) - num_components * gammaln(concentration)
        log_prior = log_prior + (concentration - 1) * jnp.sum(expected)
        log_q = gammaln(jnp.sum(parameters)) - jnp.sum(gammaln(parameters)) + jnp.sum((parameters - 1) * expected)
        return log_prior - log_q

    def mean(self, parameters):
        """E[π_k] = α_k / Σ_j α_j."""
        return parameters / jnp.sum(parameters, axis=-1, keepdims=True)

    def sample(self, key, parameters, num_draws):
        """``num_draws`` draws (num_draws, K), as Gamma variates normalised."""
        shape = jnp.broadcast_to(parameters, (num_draws, parameters.shape[-1]))
        return weights_from_log_gamma(log_gamma(key, shape))


@dataclasses.dataclass(frozen=True)
class StickBreakingWeights:
    """q(v_k) = Beta(γ_k1, γ_k2) under the stick-breaking prior v_k ~ Beta(1, α); parameters (K, 2)."""

    name: str = "dirichlet_process"

    def update(self, counts, concentration):
        """γ_k1 = 1 + N_k, γ_k2 = α + Σ_{j>k} N_j."""
        later = jnp.cumsum(counts[::-1])[::-1] - counts
        return jnp.stack([1.0 + counts, concentration + later], axis=-1)

    @staticmethod
    def _expected_logs(parameters):
        """E[log v_k] and E[log(1 − v_k)]."""
        total = digamma(parameters[..., 0] + parameters[..., 1])
        return digamma(parameters[..., 0]) - total, digamma(parameters[..., 1]) - total

    def expected_log_weights(self, parameters):
        """E[log π_k] = E[log v_k] + Σ_{j<k} E[log(1 − v_j)]."""
        log_stick, log_rest = self._expected_logs(parameters)
        return log_stick + jnp.cumsum(log_rest) - log_rest

    def negative_kl(self, parameters, concentration):
        """Σ_k E[log Beta(v_k; 1, α)] − E[log Beta(v_k; γ_k1, γ_k2)]."""
        log_stick, log_rest = self._expected_logs(parameters)
        first, second = parameters[..., 0], parameters[..., 1]
        log_prior = jnp.log(concentration) + (concentration - 1) * log_rest
        log_q = -betaln(first, second) + (first - 1) * log_stick + (second - 1) * log_rest
        return jnp.sum(log_prior - log_q)

    def mean(self, parameters):
        """E[π_k] = E[v_k] Π_{j<k} E[1 − v_j], renormalised over the K components (as scikit-learn's
        ``weights_``): the mass beyond the truncation, which no point uses, is left out."""
        stick = parameters[..., 0] / (parameters[..., 0] + parameters[..., 1])
        unnormalised = stick * jnp.exp(jnp.cumsum(jnp.log1p(-stick), axis=-1) - jnp.log1p(-stick))
        return unnormalised / jnp.sum(unnormalised, axis=-1, keepdims=True)

    def sample(self, key, parameters, num_draws):
        """``num_draws`` draws of (π_1 … π_K) (num_draws, K): v_k = G₁/(G₁ + G₂) with G_j ~ Gamma(γ_kj);
        their sum is below 1 (the rest of the stick goes to components beyond K)."""
        log_g = log_gamma(key, jnp.broadcast_to(parameters, (num_draws, *parameters.shape)))
        log_stick = log_g[..., 0] - jnp.logaddexp(log_g[..., 0], log_g[..., 1])
        log_rest = log_g[..., 1] - jnp.logaddexp(log_g[..., 0], log_g[..., 1])
        return jnp.exp(log_stick + jnp.cumsum(log_rest, axis=-1) - log_rest)


DIRICHLET = DirichletWeights()
STICK_BREAKING = StickBreakingWeights()
WEIGHT_PRIORS: dict[str, WeightFactor] = {factor.name: factor for factor in (DIRICHLET, STICK_BREAKING)}
"""The weight priors by the names scikit-learn gives them (``weight_concentration_prior_type``)."""
