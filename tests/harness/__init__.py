"""What the tests of every sampler share, written once.

* ``compilation``: counts the programs JAX compiles inside a block (the no-recompilation tests).
* ``geweke``: Geweke's joint-distribution test of a Markov kernel, run with a must-fail control.
* ``acceptance``: the Metropolis–Hastings ratio of a Gibbs block through GenJAX's ``update``.
* ``exact_gmm``, ``exact_niw``, ``exact_partitions``: exact posteriors on tiny data by
  enumeration, written independently of ``genjax_gmm`` (NumPy and SciPy only).
* ``cases``: the tiny data sets and priors, and the real samplers as the shared tests see them.
"""
