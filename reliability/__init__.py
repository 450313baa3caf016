"""Reliability checks that need real servers: `python -m reliability.load`."""
