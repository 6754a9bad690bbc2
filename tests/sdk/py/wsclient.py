"""A raw Stream-protocol WebSocket observer for the Python tests (the `websockets` package).

The Python SDK is server-side only, so deliveries are checked on a socket opened the way the
JS client opens it: GET /connect?json=...&api_key=...&authorization=<jwt>&stream-auth-type=jwt.
The first frame must be `health.check` with a `connection_id`. Each socket takes the next
herald node from a `Nodes` round-robin; its watch() goes to that same node, as connection_id
requires.
"""
import asyncio
import itertools
import json
import time
from typing import Any, Callable, Dict, List, Optional, Sequence
from urllib.parse import quote, urlencode

import requests
from websockets.asyncio.client import connect

Event = Dict[str, Any]


class Nodes:
    """Base URLs of the herald nodes; `next()` hands them out round-robin (one per new client)."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = [u.rstrip("/") for u in urls]
        self._turn = itertools.count()

    def next(self) -> str:
        return self.urls[next(self._turn) % len(self.urls)]

    def name(self, url: str) -> str:
        """A label like `node 2/3 (http://127.0.0.1:PORT)` for failure messages."""
        return f"node {self.urls.index(url) + 1}/{len(self.urls)} ({url})"


class RawUser:
    def __init__(self, nodes: Nodes, api_key: str, user_id: str, token: str) -> None:
        self.nodes = nodes
        self.api_key = api_key
        self.user_id = user_id
        self.token = token

    def connect_url(self, base_url: str) -> str:
        payload = json.dumps({"user_id": self.user_id, "user_details": {"id": self.user_id}})
        query = urlencode(
            {
                "json": payload,
                "api_key": self.api_key,
                "authorization": self.token,
                "stream-auth-type": "jwt",
            },
            quote_via=quote,
        )
        return base_url.replace("http", "ws", 1) + "/connect?" + query

    def socket(self, timeout: float = 5.0) -> "RawSocket":
        """A socket on the next node (not yet open)."""
        return RawSocket(self, self.nodes.next(), timeout)


class RawSocket:
    """`async with user.socket() as ws:` connects and consumes the health.check handshake."""

    def __init__(self, user: RawUser, base_url: str, timeout: float) -> None:
        self.user = user
        self.base_url = base_url
        self.timeout = timeout
        self.hello: Event = {}
        self.seen: List[Event] = []
        self._ws = None

    @property
    def connection_id(self) -> str:
        return self.hello.get("connection_id", "")

    async def __aenter__(self) -> "RawSocket":
        self._ws = await connect(self.user.connect_url(self.base_url), open_timeout=self.timeout)
        raw = await asyncio.wait_for(self._ws.recv(), self.timeout)
        self.hello = json.loads(raw)
        assert self.hello.get("type") == "health.check", f"first frame is not health.check: {raw}"
        assert self.connection_id, f"health.check without connection_id: {raw}"
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._ws.close()

    async def wait_for(self, predicate: Callable[[Event], bool], timeout: Optional[float] = None) -> Event:
        """Reads frames until one satisfies `predicate`; fails after `timeout` seconds."""
        limit = timeout if timeout is not None else self.timeout
        deadline = time.monotonic() + limit
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kinds = [e.get("type") for e in self.seen if e.get("type") != "health.check"]
                where = f"{self.user.user_id}'s socket on {self.user.nodes.name(self.base_url)}"
                raise AssertionError(f"no matching frame within {limit}s on {where}; frames seen: {kinds}")
            try:
                raw = await asyncio.wait_for(self._ws.recv(), remaining)
            except asyncio.TimeoutError:
                continue
            event = json.loads(raw)
            self.seen.append(event)
            if predicate(event):
                return event

    def watch(self, channel_type: str, channel_id: str) -> Dict[str, Any]:
        """Watches a channel on this socket with the user's token (the JS client's channel.watch())."""
        response = requests.post(
            f"{self.base_url}/channels/{channel_type}/{channel_id}/query",
            params={
                "api_key": self.user.api_key,
                "user_id": self.user.user_id,
                "connection_id": self.connection_id,
            },
            headers={"Authorization": self.user.token, "stream-auth-type": "jwt"},
            json={"state": True, "watch": True, "presence": False},
            timeout=self.timeout,
        )
        assert response.status_code < 300, f"watch failed: {response.status_code} {response.text}"
        return response.json()
