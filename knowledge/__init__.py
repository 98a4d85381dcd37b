"""The article as validated, structured, searchable knowledge.

Depends on ``engine`` for its types only; never on ``bot``.
"""

import os

# The semantic search multiplies one question vector by a few thousand passage vectors. One
# BLAS thread does that in tens of microseconds; OpenBLAS's thread pool, on a busy 2-core
# machine, took milliseconds (measured at 8,000 passages: p50 0.15 ms with one thread, 16 ms
# with the pool). This runs before numpy is first imported by the search; an operator's own
# setting wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
