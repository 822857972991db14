"""Walks and inspections, their routes, join codes and participants."""
