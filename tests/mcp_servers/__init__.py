"""Small MCP servers the tests start as real programs (stdio) or on a local port (HTTP)."""
