"""Inbound: a Salesforce config change becomes a config item and an outcome, once (contract sections 1 and 7).

``request`` answers one request (from an event or from the sweep); ``queue`` takes the inbound queue's batches;
``sweep`` answers the requests whose event never came."""
