"""The HTTP API, the CLI and (later) the console: the composition root of tiaojie."""
