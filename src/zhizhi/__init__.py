"""Zhizhi (基层智治): an open platform for the daily work of a township government."""

__version__ = "0.1.0"
