"""The policy and scoring engine.

Pure Python: no Django import (an import-linter contract enforces it). It reads and validates
policy files and, given facts gathered elsewhere, evaluates their rules. Every rule cites the
clause of its source document so that any number it produces can be traced back to the text.
"""

from .assess import assess
from .facts import Facts
from .loader import PolicyError, PolicyIssue, find_policy, list_policies, load_policy, load_policy_text
from .periods import parse_period
from .schema import Policy

__all__ = [
    "Facts",
    "assess",
    "parse_period",
    "Policy",
    "PolicyError",
    "PolicyIssue",
    "find_policy",
    "list_policies",
    "load_policy",
    "load_policy_text",
]
