"""Zhaoshang (招商): an investment-promotion work platform run from each jurisdiction's policy file."""

__version__ = "0.1.0"
