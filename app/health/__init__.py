"""Liveness and readiness: database reachable, scheduler processes alive."""
