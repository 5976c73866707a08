"""Parsed frames → selections, metrics, intervals and charts for the notebooks.

``selection`` (load and choose reports) → ``metrics`` and ``stats`` (rates, intervals, ranks) →
``charts`` and ``chart_text`` (altair charts and their labels).
"""
