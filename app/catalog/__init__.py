"""The catalog's yearly life: which procedures are due for review, and the export an agency publishes."""
