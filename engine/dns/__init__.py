"""Facts from the live DNS (or a zone file): lookups with their evidence, one domain or a batch."""
