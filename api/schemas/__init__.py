"""REST request and response models, one module per endpoint group.

Per-purpose models (a request, a list row, a detail) instead of table rows: what the API
promises stays put while the tables change underneath.
"""
