"""The SSRF guard: which addresses a feed fetch may connect to.

The check runs on the address actually connected to, after DNS, inside the
HTTP client's network backend: every connection (first request and each
redirect) resolves the host once, checks every address and connects to the
checked one, so a DNS answer that changes between check and connect
(rebinding) cannot slip through. Odd spellings of loopback (`2130706433`,
`0x7f000001`, `127.1`) are resolved by the C library exactly as a connect
would, so they are caught by the same check.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Iterable

import anyio
import httpcore
from httpcore._backends.anyio import AnyIOBackend

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
ALLOWED_SCHEMES = ("http", "https")


class AddressRefused(Exception):
    """A connection the guard refused; the message names the host and the reason."""


def address_problem(ip: IPAddress) -> str | None:
    """Why a fetch may not connect to `ip` by default, or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(embedded)
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("carrier-grade NAT", isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not globally routable", not ip.is_global),
    )
    for reason, hit in checks:
        if hit:
            return reason
    return None


def url_problem(scheme: str) -> str | None:
    if scheme.lower() not in ALLOWED_SCHEMES:
        return f"scheme {scheme or '(none)'!r} is not allowed (only http and https)"
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses `host` resolves to, in the resolver's order."""
    infos = await anyio.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if ip not in out:
            out.append(ip)
    return out


def choose(host: str, addresses: Iterable[IPAddress], allow_private: bool) -> IPAddress:
    """The address to connect to, or AddressRefused naming why none may be used."""
    addresses = list(addresses)
    if not addresses:
        raise AddressRefused(f"{host} did not resolve to any address")
    if allow_private:
        return addresses[0]
    # Any guarded address in the answer refuses the host: a name that resolves
    # to both a public and a private address is not trusted.
    for ip in addresses:
        problem = address_problem(ip)
        if problem:
            shown = host if str(ip) == host.strip("[]") else f"{host} ({ip})"
            raise AddressRefused(f"refused to connect to {shown}: {problem} address")
    return addresses[0]


class GuardedBackend(AnyIOBackend):
    """httpcore network backend that resolves, checks and pins each connection's address."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"DNS lookup of {host} timed out") from None
        except (OSError, ValueError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        ip = choose(host, addresses, self.allow_private)
        # Connect to the checked address itself (not the name again): TLS still
        # verifies the certificate against the name httpcore passes as SNI.
        return await super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
