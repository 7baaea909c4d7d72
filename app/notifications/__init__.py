"""Notifications: an outbox of notices (in-app inbox, optional webhook), each created exactly once by its key."""
