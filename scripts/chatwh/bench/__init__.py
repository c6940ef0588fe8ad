"""Pieces of scripts/bench.py: process-tree memory sampling, the two reference
computations of the daily bot KPIs (the raw-SQL floor and the pandas way) and the
reading of dbt's run results."""
