"""The media plane (aiortc): rooms, relay by audience, recording. Knows nothing of HTTP or of
the event store; the API drives it over a local channel (video/worker.py)."""
