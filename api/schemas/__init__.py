"""What the HTTP API answers: msgspec structs built from the aggregates."""
