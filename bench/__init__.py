"""Benchmarks: cold start, warm cost per event, AWS calls, batch throughput, zip size and peak memory.

``make bench`` runs :mod:`bench.run`, which prints one table of ratios measured side by side in the same run
(the function against the least it could cost). Nothing here is part of ``make test`` or of the package.
"""
