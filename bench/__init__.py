"""Benchmarks: each module measures one thing and prints the figures. ``python -m bench`` runs all."""
