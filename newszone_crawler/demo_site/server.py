"""Twisted face of the demo site: a leaf resource and :func:`listen`.

Nothing here imports ``twisted.internet.reactor`` at import time, so Scrapy can still
install the reactor it wants before a test starts the site inside it.

Two fault modes live on the wire (see :class:`.site.Response`): a ``delay`` is waited
out with ``reactor.callLater`` (never by blocking; cancelled if the client goes away),
and ``abort_after`` writes the headers (with the full ``Content-Length``) and that many
body bytes, waits until the transport has flushed them, then aborts the connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from twisted.web.http import Request as HTTPRequest
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

if TYPE_CHECKING:
    from twisted.internet.interfaces import IListeningPort

    from .site import DemoSite, Response

_FLUSH_POLL = 0.01
"""Seconds between two looks at a transport's write buffer before an abort."""
_FLUSH_TRIES = 500
"""Give up waiting for the flush after this many looks (5 s) and abort anyway."""
_ABORT_GRACE = 0.05
"""Seconds between the flush and the abort, so a loopback client has read the bytes
before the reset (an abort closes with RST, which may discard unread data)."""


def _unflushed(transport: Any) -> int:
    """Bytes still waiting in a Twisted TCP transport's write buffers (0 if unknown)."""
    buffered = getattr(transport, "dataBuffer", b"")
    offset = getattr(transport, "offset", 0)
    pending = getattr(transport, "_tempDataLen", 0)
    try:
        return max(0, len(buffered) - offset + pending)
    except TypeError:  # pragma: no cover - not a FileDescriptor transport
        return 0


class DemoResource(Resource):
    """Root resource answering every path through :meth:`DemoSite.handle`."""

    isLeaf = True  # noqa: N815 - Twisted's attribute name

    def __init__(self, site: DemoSite, reactor: Any = None) -> None:
        super().__init__()
        self.site = site
        self._reactor = reactor

    def _clock(self) -> Any:
        if self._reactor is None:
            from twisted.internet import reactor

            self._reactor = reactor
        return self._reactor

    def render_GET(self, request: Request) -> bytes | int:  # noqa: N802 - Twisted's name
        """Serve one GET (Twisted answers HEAD by running this and dropping the body)."""
        uri = (request.uri or b"/").decode("latin-1")
        path, _, query = uri.partition("?")
        response = self.site.handle(unquote(path), query)
        request.setResponseCode(response.status)
        for name, value in response.headers:
            request.setHeader(name.encode("ascii"), value.encode("latin-1"))
        if response.delay <= 0 and response.abort_after is None:
            return response.body
        if response.delay > 0:
            call = self._clock().callLater(response.delay, self._send, request, response)

            def cancel(failure: Any) -> None:
                if call.active():
                    call.cancel()

            request.notifyFinish().addErrback(cancel)
        else:
            self._send(request, response)
        return NOT_DONE_YET

    def _send(self, request: Request, response: Response) -> None:
        """Write a held-back answer: whole, or cut after ``abort_after`` bytes."""
        if response.abort_after is None:
            request.write(response.body)
            request.finish()
            return
        request.write(response.body[: response.abort_after])
        self._abort_when_flushed(request.channel.transport, _FLUSH_TRIES)

    def _abort_when_flushed(self, transport: Any, tries: int) -> None:
        if getattr(transport, "disconnected", False):
            return
        if _unflushed(transport) and tries > 0:
            self._clock().callLater(_FLUSH_POLL, self._abort_when_flushed, transport, tries - 1)
            return
        self._clock().callLater(_ABORT_GRACE, transport.abortConnection)


class QuietSite(Site):
    """A Twisted ``Site`` that writes no access log (tests would drown in it)."""

    def log(self, request: HTTPRequest) -> None:
        """Do not log requests."""


def make_factory(site: DemoSite, reactor: Any = None) -> Site:
    """The HTTP factory serving ``site`` (``reactor`` times the ``stall`` fault)."""
    factory = QuietSite(DemoResource(site, reactor))
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
    listening: Any = reactor.listenTCP(port, make_factory(site, reactor), interface=interface)
    site.base_url = f"http://{interface}:{listening.getHost().port}"
    result: IListeningPort = listening
    return result
