"""A bench-only Django app: the "bare" endpoint (same stack, one row) and the dataset marker.

Installed only by `bench.settings`; nothing here ships in `src/`.
"""
