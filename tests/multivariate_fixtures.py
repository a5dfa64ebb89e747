"""Tiny 2-D data and priors shared by the multivariate tests."""

import numpy as np

from genjax_gmm import multivariate as mv

TINY_DATA = np.array(
    [[-1.2, -0.8], [-1.6, -1.1], [-0.9, -1.5], [1.1, 1.3], [1.5, 0.7], [0.8, 1.6], [0.2, -0.1], [1.9, 1.8], [-0.3, 0.4]]
)
TINY_PRIOR = dict(concentration=1.0, mean_loc=np.zeros(2), mean_pseudo_count=0.5, df=5.0, scale_matrix=2.0 * np.eye(2))


def niw_prior(**change) -> mv.NIWPrior:
    return mv.NIWPrior(**{**TINY_PRIOR, **change})


def spd(rng, dimension):
    root = rng.normal(size=(dimension, dimension))
    return root @ root.T + dimension * np.eye(dimension)
