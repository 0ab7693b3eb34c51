"""Models shared across services: what crosses the table between the inbound write and the fan-out."""
