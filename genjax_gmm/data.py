"""The course's two data sets, shipped with the package so no notebook reads a file.

Both are one-dimensional arrays of float64 measurements, exactly as listed in the
course plan.
"""

import numpy as np

__all__ = ["MYSTERY_BENTO_WEIGHTS", "COFFEE_CAFFEINE"]

MYSTERY_BENTO_WEIGHTS: np.ndarray = np.array(
    [498, 352, 501, 349, 497, 503, 351, 500, 348, 502,
     499, 350, 498, 353, 501, 347, 499, 502, 352, 500],
    dtype=np.float64,
)
"""Weights (g) of Chibany's 20 mystery bentos: 12 near 500 g, 8 near 350 g.
Their mean, 440.1 g, lies in the valley between the two clusters."""

COFFEE_CAFFEINE: np.ndarray = np.array(
    [82, 118, 155, 80, 120, 158, 79, 115, 160, 83, 121, 157,
     81, 119, 156, 84, 117, 159, 78, 122, 154, 82, 116, 158,
     80, 120, 155, 81, 118, 157],
    dtype=np.float64,
)
"""Caffeine (mg per cup) of 30 cups from a café's three blends: ten each near
81, 119 and 157 mg."""

for _array in (MYSTERY_BENTO_WEIGHTS, COFFEE_CAFFEINE):
    _array.setflags(write=False)  # shared constants: a notebook cannot corrupt them
del _array
