"""The plumbing every capability stands on: settings, logs/metrics/traces, time zones, lazy loading, the
dispatcher handed to the operator, and the SnapStart restore hook."""
