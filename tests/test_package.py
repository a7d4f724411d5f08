"""Package hygiene: a cheap import, runnable docstring examples, and a working CLI for the core."""

import doctest
import importlib
import subprocess
import sys

import pytest

from matcalc_edu.cli import main


def test_import_loads_neither_matplotlib_nor_ipywidgets_nor_sympy():
    code = ("import sys, matcalc_edu; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'sympy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["parser", "derivation", "numerics"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"matcalc_edu.{module}")
    result = doctest.testmod(mod, extraglobs={"np": importlib.import_module("numpy")})
    assert result.attempted > 0 and result.failed == 0


def test_cli_derive_prints_the_steps_and_the_check(capsys):
    code = main(["derive", "B@C", "--wrt", "B", "--shape", "B=3x4", "--shape", "C=4x2"])
    out = capsys.readouterr().out
    assert code == 0
    assert "∂A_ij/∂B_kl = δ_ik C_lj" in out
    assert "checked against finite differences" in out


def test_cli_derive_reports_bad_input_in_one_line(capsys):
    assert main(["derive", "B@Z", "--wrt", "B", "--shape", "B=3x4"]) == 2
    err = capsys.readouterr().err
    assert "unknown name `Z`" in err and "Traceback" not in err
    assert main(["derive", "B", "--wrt", "B", "--shape", "B=3x4x5"]) == 2
    assert main(["derive", "B", "--wrt", "B", "--shape", "B=three"]) == 0  # a named size


def test_cli_identities_verifies_every_line(capsys):
    assert main(["identities"]) == 0
    out = capsys.readouterr().out
    assert "✗" not in out and out.count("✓") >= 18
