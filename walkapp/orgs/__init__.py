"""Organisations (housing, municipality, police, …) and their estates (afdelinger)."""
