"""Zhizhi's benchmark suite: `python -m bench` (or `make bench`). Not part of `make test`.

Each benchmark measures a figure side by side with its baseline in the same run, writes
`bench/results/<name>.json` (machine, parameters, figures, baseline, ratio, target, pass/fail) and
the command prints one table at the end. See docs/benchmarks.md.
"""
