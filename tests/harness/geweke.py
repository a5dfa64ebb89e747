"""Geweke's joint-distribution test of a Markov kernel (J. Geweke 2004, "Getting it right: joint
distribution tests of posterior simulators", JASA 99, 799–804).

A kernel T(θ' | θ, x) that leaves every posterior p(θ | x) invariant also leaves the joint
p(θ, x) invariant under the chain that alternates θ ~ T(· | θ, x) with fresh data x ~ p(x | θ).
So chains started from exact joint draws are exact joint draws after any number of steps (the
"successive-conditional" draws), and any statistic of them has the distribution it has under
independent joint draws (the "marginal-conditional" ones). Each statistic's two samples are
compared by a two-sample Kolmogorov–Smirnov test, Bonferroni-corrected (level 1 % for the family);
a kernel with a wrong conditional moves the joint, and the test fails. Every chain starts from
its own joint draw, so the chains are independent and need no thinning.

A ``GewekeModel`` is the model's side: exact joint draws (written independently of the package),
fresh data given a state, and label-free statistics. Every use comes with a must-fail control:
the same test of a deliberately wrong kernel must reject it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from scipy import stats

FAMILY_LEVEL = 0.01
"""The probability that a correct kernel fails any statistic's test (Bonferroni)."""


@dataclasses.dataclass(frozen=True)
class GewekeModel:
    """``joint_draws(seed, n)``: n independent draws (state, data) from the joint, leading axis n;
    ``fresh_data(key, state)``: data ~ p(x | state) for one state (traceable); ``statistics(states,
    data)``: (n, S) label-free statistics of a batch; chains × steps set the test's size."""

    joint_draws: Callable[[int, int], tuple[Any, Any]]
    fresh_data: Callable[[jax.Array, Any], Any]
    statistics: Callable[[Any, Any], np.ndarray]
    num_chains: int
    num_steps: int


@dataclasses.dataclass(frozen=True)
class GewekeRun:
    """The final states and data of the successive-conditional chains, and the smallest p-value
    of the statistics' KS tests against independent joint draws."""

    states: Any
    data: Any
    min_p_value: float
    level: float  # FAMILY_LEVEL / number of statistics

    @property
    def passed(self) -> bool:
        return self.min_p_value > self.level


def geweke_test(model: GewekeModel, sweep: Callable[[jax.Array, Any, Any], Any], seed: int = 11) -> GewekeRun:
    """Chains from exact joint draws alternating ``sweep(key, state, data) -> state`` with fresh
    data for ``model.num_steps`` steps, compared with independent joint draws (module docstring)."""

    @jax.jit
    def run(keys, states, data):
        def chain(key, state, x):
            def step(carry, key):
                state, x = carry
                sweep_key, data_key = jax.random.split(key)
                state = sweep(sweep_key, state, x)
                return (state, model.fresh_data(data_key, state)), None

            return jax.lax.scan(step, (state, x), jax.random.split(key, model.num_steps))[0]

        return jax.vmap(chain)(keys, states, data)

    start, data = model.joint_draws(seed, model.num_chains)
    states, data = run(jax.random.split(jax.random.key(seed), model.num_chains), start, data)
    successive = np.asarray(model.statistics(states, data))
    marginal = np.asarray(model.statistics(*model.joint_draws(seed + 1000, model.num_chains)))
    p_values = [stats.ks_2samp(marginal[:, j], successive[:, j]).pvalue for j in range(marginal.shape[1])]
    return GewekeRun(states, data, float(min(p_values)), FAMILY_LEVEL / marginal.shape[1])
