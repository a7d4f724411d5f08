"""The ``derive`` and ``identities`` subcommands of ``matcalc-edu`` (registered in cli.py)."""

from __future__ import annotations

import argparse
import re


def parse_shape_option(text: str) -> tuple[str, tuple]:
    """``X=3x3`` -> ("X", (3, 3)); ``a=3`` -> ("a", (3,)); ``W=m,n`` -> ("W", ("m", "n"))."""
    from .cli import CliError

    name, sep, dims = text.partition("=")
    parts = [p for p in re.split(r"[x×,]", dims.strip()) if p] if sep else []
    if not name.strip().isidentifier() or not 0 < len(parts) <= 2:
        raise CliError(f"--shape takes NAME=ROWSxCOLS (e.g. X=3x3 or x=3), not {text!r}")
    return name.strip(), tuple(int(p) if p.strip().isdigit() else p.strip() for p in parts)


def add_derive(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``derive``."""
    parser.add_argument("expr", help='the expression, e.g. "0.5*(W@x - t).T@(W@x - t)"')
    parser.add_argument("--wrt", required=True, help="the variable to differentiate by")
    parser.add_argument("--shape", action="append", default=[], metavar="NAME=RxC",
                        help="shape of a symbol, e.g. --shape W=3x2 --shape x=2 (repeat)")
    parser.add_argument("--layout", choices=["gradient", "numerator"], default="gradient")


def run_derive(args: argparse.Namespace) -> int:
    """Print the derivation, step by step, with its numeric check."""
    from .cli import CliError
    from .derivation import DerivationError, derive

    shapes = dict(parse_shape_option(s) for s in args.shape)
    try:
        d = derive(args.expr, args.wrt, shapes, layout=args.layout)
    except (DerivationError, ValueError) as err:
        raise CliError(str(err)) from None
    print(d)
    print(f"  checked against finite differences: max relative error {d.max_error:.1e}")
    return 0


def add_identities(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``identities``."""
    parser.add_argument("--seed", type=int, default=0, help="seed of the random check values")


def run_identities(args: argparse.Namespace) -> int:
    """Print the identity table with ✓/✗ from a fresh numeric verification."""
    from .identities import table

    rows = table(args.seed)
    print(rows)
    failed = sum(not r.ok for r in rows)
    print(f"{len(rows) - failed} of {len(rows)} identities verified")
    return 1 if failed else 0
