"""AppFlow flows kept working (contract sections 2 and 5): their health and alerts, the write-back's check, the
Salesforce connection and its JWT; ``errors`` is the pure classification of AppFlow's errors."""
