"""Signed documents: PDF rendering and the institutions' PKI."""
