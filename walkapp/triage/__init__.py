"""Triage: the staff's finding list, its filters and map, bulk actions and duplicates."""
