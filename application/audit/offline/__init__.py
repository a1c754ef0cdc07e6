"""What goes into a case's evidence archive to be run on a machine that never saw the server."""
