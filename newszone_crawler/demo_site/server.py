"""Twisted face of the demo site: a leaf resource and :func:`listen`.

Nothing here imports ``twisted.internet.reactor`` at import time, so Scrapy can still
install the reactor it wants before a test starts the site inside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from twisted.web.http import Request as HTTPRequest
from twisted.web.resource import Resource
from twisted.web.server import Request, Site

if TYPE_CHECKING:
    from twisted.internet.interfaces import IListeningPort

    from .site import DemoSite


class DemoResource(Resource):
    """Root resource answering every path through :meth:`DemoSite.handle`."""

    isLeaf = True  # noqa: N815 - Twisted's attribute name

    def __init__(self, site: DemoSite) -> None:
        super().__init__()
        self.site = site

    def render_GET(self, request: Request) -> bytes:  # noqa: N802 - Twisted's name
        """Serve one GET (Twisted answers HEAD by running this and dropping the body)."""
        uri = (request.uri or b"/").decode("latin-1")
        path, _, query = uri.partition("?")
        response = self.site.handle(unquote(path), query)
        request.setResponseCode(response.status)
        for name, value in response.headers:
            request.setHeader(name.encode("ascii"), value.encode("latin-1"))
        return response.body


class QuietSite(Site):
    """A Twisted ``Site`` that writes no access log (tests would drown in it)."""

    def log(self, request: HTTPRequest) -> None:
        """Do not log requests."""


def make_factory(site: DemoSite) -> Site:
    """The HTTP factory serving ``site``."""
    factory = QuietSite(site.resource())
    factory.noisy = False
    return factory


def listen(
    site: DemoSite, port: int = 0, interface: str = "127.0.0.1", *, reactor: Any = None
) -> IListeningPort:
    """Serve ``site`` on ``interface:port`` in the running (or given) reactor.

    ``port=0`` picks a free port: read it from ``listening.getHost().port``.  Sets
    ``site.base_url`` to ``http://<interface>:<port>`` so truth URLs match.
    """
    if reactor is None:
        from twisted.internet import reactor as default_reactor

        reactor = default_reactor
    # Any: mypy misreads methods declared on zope interfaces (IListeningPort.getHost).
    listening: Any = reactor.listenTCP(port, make_factory(site), interface=interface)
    site.base_url = f"http://{interface}:{listening.getHost().port}"
    result: IListeningPort = listening
    return result
