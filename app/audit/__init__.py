"""Append-only audit trail (nhật ký): who changed what, when, from where — written in the same transaction."""
