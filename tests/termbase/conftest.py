"""Fixtures of the termbase tests (the exchange tests' live in tests/tbx_support.py)."""

from tests.tbx_support import basic_schematron, core_rng, tbx_dir

__all__ = ["basic_schematron", "core_rng", "tbx_dir"]
