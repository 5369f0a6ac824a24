"""tui-chat: a fast, sturdy full-screen terminal chat client for LLM APIs."""

__version__ = "0.1.0"
