"""Runners, one module per runner type (see registry.runner_for)."""
