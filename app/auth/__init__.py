"""Accounts: password hashing, bearer tokens, sessions and API keys, and the request guard."""
