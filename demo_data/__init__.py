"""Deterministic demo data for Dispatch Console."""
