"""The Textual UI: consumes engine events, never calls a provider itself."""
