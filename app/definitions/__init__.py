"""BPMN definitions: hardened intake and validation (no database, no Flask, no SpiffWorkflow)."""
