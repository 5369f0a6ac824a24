"""Tools from MCP servers: connecting to them, naming their tools, and who may run what.

No Textual here: the reply engine and every front end use these the same way.
"""
