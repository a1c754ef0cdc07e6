"""What every institution's application shares: access, commands, following, persistence,
settings, clock, calendar, video sessions and the directory."""
