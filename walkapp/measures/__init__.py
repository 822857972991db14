"""Measures (tiltag), their status workflow and history, and the 10-year plan."""
