"""The embedding model, the search index and the search: hybrid ranking, calibration, adaptation."""
