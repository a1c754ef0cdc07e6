"""Video sessions over HTTP, their signaling WebSocket and the media workers."""
