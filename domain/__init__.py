"""The tiaojie domain: aggregates, events and rules, free of frameworks, I/O and clocks."""
