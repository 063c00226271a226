"""Dimensions and filters: which responses a query covers, shared by ingest, export and scores."""
