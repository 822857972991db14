"""Service worker, web app manifest and offline page."""
