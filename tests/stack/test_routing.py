"""The FIB lookup keeps a prepared index: every way the route list changes must show."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

from nflab.stack.routing import Fib, Route


def dev_for(fib: Fib, dst: str) -> str | None:
    hit = fib.lookup(IPv4Address(dst))
    return None if hit is None else hit.route.dev


def test_longest_prefix_then_metric_then_first_added() -> None:
    fib = Fib()
    fib.add(Route(IPv4Network("0.0.0.0/0"), "eth0", via=IPv4Address("10.0.0.1")))
    fib.add(Route(IPv4Network("10.1.0.0/16"), "eth1", metric=10))
    fib.add(Route(IPv4Network("10.1.0.0/16"), "eth2", metric=5))
    fib.add(Route(IPv4Network("10.1.0.0/16"), "eth3", metric=5))
    fib.add(Route(IPv4Network("10.1.2.3/32"), "lo", kind="local", table="local"))
    assert [dev_for(fib, a) for a in ("10.1.2.3", "10.1.9.9", "192.0.2.1")] == ["lo", "eth2", "eth0"]
    hit = fib.lookup(IPv4Address("192.0.2.1"))
    assert hit is not None and hit.gateway == IPv4Address("10.0.0.1")


def test_every_change_to_the_list_is_seen() -> None:
    fib = Fib()
    route = Route(IPv4Network("10.0.0.0/8"), "eth0")
    fib.add(route)
    assert dev_for(fib, "10.2.3.4") == "eth0"
    fib.routes[0] = replace(route, dev="eth1")  # item assignment (``ip route replace``)
    assert dev_for(fib, "10.2.3.4") == "eth1"
    fib.routes.remove(fib.routes[0])
    assert dev_for(fib, "10.2.3.4") is None
    fib.routes.append(route)
    assert dev_for(fib, "10.2.3.4") == "eth0"
    fib.routes = [replace(r, dev="eth9") for r in fib.routes]  # a renamed device
    assert dev_for(fib, "10.2.3.4") == "eth9"
    fib.remove(lambda r: r.dev == "eth9")
    assert dev_for(fib, "10.2.3.4") is None


def test_usable_filters_routes_of_down_links() -> None:
    fib = Fib()
    fib.add(Route(IPv4Network("10.0.0.0/24"), "eth0"))
    fib.add(Route(IPv4Network("10.0.0.0/8"), "eth1"))
    hit = fib.lookup(IPv4Address("10.0.0.5"), usable=lambda r: r.dev != "eth0")
    assert hit is not None and hit.route.dev == "eth1"
