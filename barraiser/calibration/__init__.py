"""Inspection of the mechanism: the calibration report, its metrics and the actions it raises."""

import os

# The model of `mixed.py` factorises matrices a few hundred wide, where a multithreaded BLAS
# gains little and, on a busy machine (requests already run side by side), loses a great deal:
# measured on two loaded CPUs, one Cholesky factorisation took 21 ms on one thread and 139 ms
# on two. So the BLAS runs one thread unless the deployment says otherwise; this must happen
# before numpy is first imported, which this package is the first in the app to do.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
