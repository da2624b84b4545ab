"""Action policies: concurrency (delay or cancel over a threshold) and retry."""
