"""The stored lesson notebooks match their sources in notebooks/src/ (cheap: nothing is run).

nbval checks the outputs; this test only catches a source edited without rebuilding
(``python tools/build_notebooks.py``), a notebook edited by hand, or a lesson without a source.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  ROOT / "tools" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebooks_are_built_from_their_sources():
    problems = _builder().check()
    assert not problems, "\n".join(problems + ["run: python tools/build_notebooks.py"])


def test_percent_reader():
    text = ("# %% [markdown]\n# # Title\n#\n# Some *text*.\n\n"
            "# %%\n# %matplotlib inline\nx = 1  # a comment\n\n\n# %%\ny = 2\n")
    assert _builder().read_percent(text) == [
        ("markdown", "# Title\n\nSome *text*."),
        ("code", "%matplotlib inline\nx = 1  # a comment"),
        ("code", "y = 2"),
    ]
