"""Which addresses the media plane offers as ICE host candidates, and its ICE servers."""

from __future__ import annotations

import aioice.ice
from aiortc import RTCIceServer


def offer_host_addresses(addresses: list[str]) -> None:
    """Offer exactly these addresses (aioice otherwise offers every interface but loopback).
    Process-wide: aioice has no per-connection setting."""
    if addresses:
        chosen = list(addresses)
        aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [
            a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)
        ]


def ice_servers(
    urls: list[str], username: str | None, credential: str | None
) -> list[RTCIceServer]:
    """No STUN or TURN unless configured: the library's default public STUN server is often
    unreachable from a court's or a center's network."""
    return [RTCIceServer(urls=url, username=username, credential=credential) for url in urls]
