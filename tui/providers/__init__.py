"""Provider adapters: each turns one API's stream into normalised events (no UI here)."""
