"""The end-to-end tests' fixture: `make_world(NAME)` loads a policy in the test's transaction and
gives the office's workbooks, imports and runs (see e2e_support.py)."""

from __future__ import annotations

import pytest
from e2e_support import World


@pytest.fixture
def make_world(db, tmp_path, client):
    def make(policy_name: str) -> World:
        return World(policy_name, tmp_path, client)

    return make
