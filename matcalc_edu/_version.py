"""The package version, kept in one place for hatch and for ``matcalc_edu.__version__``."""

__version__ = "0.1.0"
