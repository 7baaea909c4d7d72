"""Deadlines of steps and dossiers: due work at activation, pauses, the extension with apology, results."""
