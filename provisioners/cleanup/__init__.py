"""Guided cleanup of leftovers hostwiz did not make (issue 6).

discovery (every kind x region, in parallel) -> selection (filters, VPC contents, what
belongs to what, protections) -> plan (a dependency graph with costs; frozen as JSON) ->
execution (the shared deletion waves of `provisioners.deletion`).
"""

from .discovery import Discovery, discover_all
from .plan import CleanupPlan, build_plan, execute, load_frozen, reconcile
from .selection import Filters, parse_age

__all__ = ["CleanupPlan", "Discovery", "Filters", "build_plan", "discover_all", "execute", "load_frozen",
           "parse_age", "reconcile"]
