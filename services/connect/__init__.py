"""Amazon Connect's own hours of operation kept in step with the table (contract section 6): ``hours`` is the
pure projection and diff, ``sync`` reads, writes and reports."""
