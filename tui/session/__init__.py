"""The services of one app run: `ChatSession`, and the provider adapters it keeps.

- `registry`: builds the adapter for a provider, importing only the SDK it needs.
- `pool`: one adapter (and HTTP connection pool) per provider for a session.
- `catalog`: which providers are ready, their model lists and context windows.
- `session`: `ChatSession`, which owns all of it plus the saver, lock and search index.
"""
