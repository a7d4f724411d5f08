"""Let ``python -m matcalc_edu`` run the ``matcalc-edu`` command."""

from matcalc_edu.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
