"""Institutions' eventsourcing applications, projections and the wiring that builds them."""
