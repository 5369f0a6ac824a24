"""A TLS context for a plain `http://` server that loads its trust store only if it is
ever asked to wrap a connection.

Loading the trust store (about 140 certificates) takes 25-40 ms, and the SDKs' HTTP
client does it as it is built, whether or not the server speaks TLS. A local server
(Ollama, llama.cpp, vLLM, LM Studio) at `http://` never does; for one that redirects to
`https://`, the store is loaded then, before the handshake, and certificates are checked
as always.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Callable
from typing import Any, TypeVar

Client = TypeVar("Client")


class CertsOnFirstUse(ssl.SSLContext):
    """`ssl.PROTOCOL_TLS_CLIENT` (hostname and certificate checked) with Python's default
    trust store, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set, loaded on first use."""

    _lock = threading.Lock()
    loaded: bool
    """Whether the certificates are in."""

    def __new__(cls, *args: Any, **kwargs: Any) -> CertsOnFirstUse:
        context = super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)
        context.loaded = False
        return context

    def __init__(self) -> None:
        # ssl.SSLContext takes its protocol in __new__; nothing more to set up here.
        pass

    def load_trust_store(self) -> None:
        """Load the certificates (once)."""
        with self._lock:
            if self.loaded:
                return
            cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
            if cafile or capath:
                self.load_verify_locations(cafile, capath)
            else:
                self.load_default_certs()
            self.loaded = True

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_trust_store()
        return super().wrap_bio(*args, **kwargs)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_trust_store()
        return super().wrap_socket(*args, **kwargs)


def plain_http_client(base_url: str, sdk_client: Callable[..., Client]) -> Client | None:
    """For a plain `http://` server, the SDK's own HTTP client (`sdk_client`, such as
    `openai.DefaultAsyncHttpxClient`) with a `CertsOnFirstUse` context; None (the SDK's
    default) for anything else."""
    if not base_url.lower().startswith("http://"):
        return None
    return sdk_client(verify=CertsOnFirstUse())
