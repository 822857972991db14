"""Findings, categories and photos; the capture API."""
