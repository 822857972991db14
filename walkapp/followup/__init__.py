"""Follow-up of a walk: the printable overview, the follow-up page and its .ics (meeting mode goes here)."""
