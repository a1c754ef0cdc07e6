"""The web console: server-rendered pages over the same applications."""
