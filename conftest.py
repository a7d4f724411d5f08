"""Test-session settings shared by the Python tests and the nbval notebook runs.

Kernels started by nbval inherit this environment, so notebooks are checked with the same
student id (hence the same exercise variants) that ``tools/build_notebooks.py`` used to store
their outputs, and no test ever writes to the developer's real progress log.
"""

import os
import tempfile
from pathlib import Path

_session_dir = Path(tempfile.mkdtemp(prefix="matcalc-edu-tests-"))
os.environ["MATCALC_EDU_STUDENT"] = "course-build"
os.environ["MATCALC_EDU_PROGRESS"] = str(_session_dir / "progress.jsonl")
os.environ["MPLBACKEND"] = "Agg"
