"""Calendar-file download responses of the measure and follow-up pages."""
from __future__ import annotations

from flask import Response


def ics_response(body: bytes, filename: str) -> Response:
    """An .ics body as an attachment with the given file name."""
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
    })
