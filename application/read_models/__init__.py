"""Read models kept by projections: the case list and the timers."""
