"""Byte and CPU units, and how budgets are written for operators (Kubernetes quantities)."""

from __future__ import annotations

from chartgen.runtime.quantity import format_bytes, format_cpu

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

# How budgets are written for operators: the same Kubernetes quantities the chart shows.
__all__ = ["GiB", "KiB", "MiB", "format_bytes", "format_cpu"]
