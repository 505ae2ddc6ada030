"""Where a webhook may go: a callback URL whose host resolves to a loopback, private, link-local or otherwise
non-public address is refused (server-side request forgery), unless `SOAPSCRIBE_WEBHOOK_ALLOWED_NETWORKS`
lists it. Checked at upload and again at each send, and the send connects to the address that was checked,
so a DNS answer that changes in between (rebinding) cannot redirect it.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from service.errors import BadInput
from service.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenDestination(BadInput):
    title = "Callback URL refused"


def _kind(address: Address) -> str:
    for attribute, name in (("is_loopback", "loopback"), ("is_link_local", "link-local"),
                            ("is_private", "private"), ("is_multicast", "multicast")):
        if getattr(address, attribute):
            return name
    return "non-public"


def _allowed(host: str, address: Address, settings: Settings) -> bool:
    for entry in settings.webhook_allowed_networks:
        if entry.lower() == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a host name entry
    return False


def checked_address(url: str, settings: Settings) -> str:
    """The address the webhook for `url` may connect to; ForbiddenDestination if none is allowed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ForbiddenDestination(f"callback_url host {host!r} does not resolve") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        mapped = getattr(address, "ipv4_mapped", None) or address
        if not mapped.is_global and not _allowed(host, mapped, settings):
            # One non-public answer refuses the host: the resolver may hand out that one next time.
            raise ForbiddenDestination(
                f"callback_url host {host!r} resolves to {address}, a {_kind(mapped)} address; webhooks go only "
                "to public addresses unless SOAPSCRIBE_WEBHOOK_ALLOWED_NETWORKS lists it")
    return str(addresses[0])


def pinned_opener(address: str, *handlers: Any) -> urllib.request.OpenerDirector:
    """An opener whose connections go to `address` whatever the URL's host resolves to (TLS still checks the
    certificate against the URL's host)."""

    def pin(connection: http.client.HTTPConnection) -> http.client.HTTPConnection:
        connect = connection._create_connection  # type: ignore[attr-defined]
        connection._create_connection = (  # type: ignore[attr-defined]
            lambda target, *args: connect((address, target[1]), *args))
        return connection

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(lambda *a, **k: pin(http.client.HTTPConnection(*a, **k)), req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(lambda *a, **k: pin(http.client.HTTPSConnection(*a, **k)), req,
                                context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(Http, Https, *handlers)
