"""The jobs the router hands events to. Each service takes validated models and returns results.

Only the modules under ``services.aws`` create AWS clients.
"""
