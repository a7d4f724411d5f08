"""Execute the whole course as a student gets it and time each notebook.

    python benchmarks/bench_course.py          # bar: the whole course in <= 60 s on 2 cores

A fresh ``matcalc-edu init`` copy goes into a temporary folder; every notebook under its
``notebooks/`` and ``exercises/`` is run with nbclient in a new kernel (cwd = the notebook's
folder, a throw-away progress log, ``MPLBACKEND=Agg``). Kernel start-up is included: it is what
a student waits for too. Exit status 1 if a notebook fails or the bar is missed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

BAR_SECONDS = 60.0


def main() -> int:
    import nbformat
    from nbclient import NotebookClient

    import matcalc_edu
    from matcalc_edu.course_files import init_course

    package_parent = str(Path(matcalc_edu.__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "course"
        init_course(dest)
        os.environ.update({
            "MATCALC_EDU_PROGRESS": str(Path(tmp) / "progress.jsonl"),
            "MPLBACKEND": "Agg",
            "PYTHONPATH": os.pathsep.join(
                p for p in (package_parent, os.environ.get("PYTHONPATH")) if p),
        })
        books = sorted((dest / "notebooks").glob("*.ipynb")) + sorted(
            (dest / "exercises").glob("*.ipynb"))
        if not books:
            print("no notebooks found in the course copy", file=sys.stderr)
            return 1
        total, failed = 0.0, []
        for path in books:
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            try:
                NotebookClient(nb, timeout=300, kernel_name="python3",
                               resources={"metadata": {"path": str(path.parent)}}).execute()
                status = ""
            except Exception as err:  # noqa: BLE001 - report and go on with the others
                failed.append(path.name)
                status = f"  FAILED: {type(err).__name__}"
            seconds = time.perf_counter() - start
            total += seconds
            print(f"{path.parent.name}/{path.name:40} {seconds:6.2f} s{status}")
    print(f"{'total':50} {total:6.2f} s  ({len(books)} notebooks, bar {BAR_SECONDS:.0f} s)")
    return 1 if failed or total > BAR_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
