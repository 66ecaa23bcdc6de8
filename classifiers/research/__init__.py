"""Pure research helpers on passed-in rows and loaded models: comparisons, plots, rule reports.

The database side of the researchers' API is `monitor.research`.
"""
