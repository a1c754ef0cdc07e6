"""Processes that follow the institutions' logs: outbox, invitations, scheduler."""
