"""Sizing: each service's cost model next to the formulas of its derived settings.

One module per service holds its memory costs, the budget range it supports, the formulas
that turn the pod's budget into settings, and ``estimated_memory``; keeping them together is
what lets the tests prove the formulas fit the model for every budget in the range.
"""
