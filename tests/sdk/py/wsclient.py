"""A raw Stream-protocol WebSocket observer for the Python tests (the `websockets` package).

The Python SDK is server-side only, so deliveries are checked on a socket opened the way the
JS client opens it: GET /connect?json=...&api_key=...&authorization=<jwt>&stream-auth-type=jwt.
The first frame must be `health.check` with a `connection_id`.
"""
import asyncio
import json
import time
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import quote, urlencode

import requests
from websockets.asyncio.client import connect

Event = Dict[str, Any]


class RawUser:
    def __init__(self, base_url: str, api_key: str, user_id: str, token: str) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.user_id = user_id
        self.token = token

    def connect_url(self) -> str:
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
        return self.base_url.replace("http", "ws", 1) + "/connect?" + query

    def socket(self, timeout: float = 5.0) -> "RawSocket":
        return RawSocket(self, timeout)


class RawSocket:
    """`async with user.socket() as ws:` connects and consumes the health.check handshake."""

    def __init__(self, user: RawUser, timeout: float) -> None:
        self.user = user
        self.timeout = timeout
        self.hello: Event = {}
        self.seen: List[Event] = []
        self._ws = None

    @property
    def connection_id(self) -> str:
        return self.hello.get("connection_id", "")

    async def __aenter__(self) -> "RawSocket":
        self._ws = await connect(self.user.connect_url(), open_timeout=self.timeout)
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
                raise AssertionError(f"no matching frame within {limit}s; frames seen: {kinds}")
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
            f"{self.user.base_url}/channels/{channel_type}/{channel_id}/query",
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
