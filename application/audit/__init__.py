"""The audit trail: the log of every institution's events, its checkpoints and its verification."""
