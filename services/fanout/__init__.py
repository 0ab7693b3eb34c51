"""Fan-out: each new outcome on the table's stream becomes a status file and an e-mail (contract section 2)."""
