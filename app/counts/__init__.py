"""The hourly counts: their tables, their keys and the one function that changes them."""
