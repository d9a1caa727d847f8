"""The workbench's pages (see urls.py)."""
