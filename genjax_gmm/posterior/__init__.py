"""What to do with posterior draws, whichever sampler made them (``gibbs``, the importance
samplers, ``dpmm_gibbs``, ``mv.gibbs``): it sits above both sampler families.

Modules, one idea each:

* ``labels``: label switching: relabelling every draw by mean or by matching it to a reference
  draw, and label-free summaries (co-assignment matrix, assignment probabilities).
* ``summaries``: results as ArviZ data (``to_inference_data``) and ArviZ's summary table.
* ``partitions``: one partition summarising draws of partitions (Dahl's least squares).
"""

from .labels import assignment_probabilities, co_assignment_matrix, relabel_by_matching, relabel_by_mean
from .partitions import PartitionEstimate, least_squares_partition
from .summaries import summary, to_inference_data

__all__ = [
    "relabel_by_mean",
    "relabel_by_matching",
    "co_assignment_matrix",
    "assignment_probabilities",
    "PartitionEstimate",
    "least_squares_partition",
    "to_inference_data",
    "summary",
]
