"""The interactive API docs, served with no internet: Swagger UI at /docs, ReDoc at /redoc."""
