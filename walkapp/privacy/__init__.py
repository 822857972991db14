"""Privacy: retention of personal data (photos, names, typed text) and the privacy notice."""
