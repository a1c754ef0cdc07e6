"""What every institution's domain shares: actors, errors, periods, identity, numbering,
values, the transparency log, video sessions, service of documents and the directory."""
