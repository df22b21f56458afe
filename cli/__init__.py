"""The `diagnostica` command line."""
