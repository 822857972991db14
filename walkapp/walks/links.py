"""Links to a walk that leave the browser (the join link in QR codes, invitations and the API)."""
from __future__ import annotations

from walkapp.urls import external_url


def join_url(code: str) -> str:
    """The absolute join link printed in the QR code (`/j/<code>`, see DESIGN.md §5)."""
    return external_url("participation.join", code=code)
