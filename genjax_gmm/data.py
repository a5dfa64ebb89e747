"""The course's data sets, shipped with the package so no notebook reads a file.

All are one-dimensional arrays of float64 measurements: the bentos and the coffee exactly as
listed in the course plan, the galaxies as published (see ``GALAXY_VELOCITIES``).
"""

import numpy as np

__all__ = ["MYSTERY_BENTO_WEIGHTS", "COFFEE_CAFFEINE", "GALAXY_VELOCITIES"]

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

GALAXY_VELOCITIES: np.ndarray = np.array(
    [9172, 9350, 9483, 9558, 9775, 10227, 10406, 16084, 16170, 18419,
     18552, 18600, 18927, 19052, 19070, 19330, 19343, 19349, 19440, 19473,
     19529, 19541, 19547, 19663, 19846, 19856, 19863, 19914, 19918, 19973,
     19989, 20166, 20175, 20179, 20196, 20215, 20221, 20415, 20629, 20795,
     20821, 20846, 20875, 20986, 21137, 21492, 21701, 21814, 21921, 21960,
     22185, 22209, 22242, 22249, 22314, 22374, 22495, 22746, 22747, 22888,
     22914, 23206, 23241, 23263, 23484, 23538, 23542, 23666, 23706, 23711,
     24129, 24285, 24289, 24366, 24717, 24990, 25633, 26690, 26995, 32065,
     32789, 34279],
    dtype=np.float64,
)
"""Velocities (km/s) of 82 galaxies in the Corona Borealis region, sorted; mean 20828.17 km/s.

Source: K. Roeder (1990), "Density estimation with confidence sets exemplified by superclusters
and voids in the galaxies", *Journal of the American Statistical Association* 85, 617–624, from
the redshift survey of M. Postman, J. P. Huchra and M. J. Geller (1986), *Astronomical Journal*
92, 1238–1247. This is the copy in R's MASS package (``MASS::galaxies``, Venables and Ripley),
value for value. MASS's documentation notes that the 78th value, 26690, should be 26960, and that
Postman et al. list an 83rd galaxy (5607 km/s) which Roeder omitted; like most of the literature
we keep the data as MASS has them. Published measurements, distributed with MASS under the GPL."""

for _array in (MYSTERY_BENTO_WEIGHTS, COFFEE_CAFFEINE, GALAXY_VELOCITIES):
    _array.setflags(write=False)  # shared constants: a notebook cannot corrupt them
del _array
