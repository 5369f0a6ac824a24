"""The trust store of a plain `http://` server's client, loaded only for a TLS connection."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from tui.providers.sdk_openai import openai
from tui.providers.tls import CertsOnFirstUse, plain_http_client

TLS = Path(__file__).parent / "fixtures" / "tls"
"""A self-signed certificate for `localhost` (100 years) and its key: test use only."""


def handshake(client: ssl.SSLContext, hostname: str = "localhost") -> None:
    """A TLS handshake in memory between `client` and a server holding the fixture cert."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(TLS / "localhost.pem", TLS / "localhost.key")
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client_side = client.wrap_bio(c_in, c_out, server_hostname=hostname)
    server_side = server_context.wrap_bio(s_in, s_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(10):
        for name, side, out, peer_in in (
            ("client", client_side, c_out, s_in),
            ("server", server_side, s_out, c_in),
        ):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
            peer_in.write(out.read())
        if all(done.values()):
            return
    raise AssertionError("the handshake did not finish")


def test_the_trust_store_loads_on_the_first_connection_and_certificates_are_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "localhost.pem"))
    context = CertsOnFirstUse()
    assert context.cert_store_stats()["x509_ca"] == 0  # nothing loaded yet
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    handshake(context)
    assert context.loaded
    assert context.cert_store_stats()["x509_ca"] == 1
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(context, hostname="elsewhere.test")  # a name the cert is not for


def test_an_untrusted_certificate_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))  # an empty store
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(CertsOnFirstUse())


def test_only_plain_http_servers_get_the_deferred_trust_store() -> None:
    sdk_client = openai.DefaultAsyncHttpxClient
    assert plain_http_client("https://api.openai.com/v1", sdk_client) is None  # the default
    client = plain_http_client("http://127.0.0.1:11434/v1", sdk_client)
    assert client is not None
    assert client.follow_redirects  # the SDK's defaults, with the deferred context
