"""Each app's endpoints live beside its views (`<app>/api.py`); the table of them is
`api/urls.py`'s ENDPOINTS, named here too for the code and tests that read it from here."""

from .urls import ENDPOINTS, VIEWS

__all__ = ["ENDPOINTS", "VIEWS"]
