"""Lookups: what Amazon Connect asks at call time (contract section 4), and the pure opening-hours rule."""
