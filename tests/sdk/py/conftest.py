"""Fixtures for the official stream-chat Python SDK tests against herald.

Reads HERALD_URLS (or HERALD_URL) / HERALD_API_KEY / HERALD_API_SECRET (set by tests/sdk/run.sh)
and gives each test a server-side `StreamChat` client, a unique-id factory and a raw-WebSocket
observer. Every new client (each test's server client, each socket) takes the next node of
HERALD_URLS round-robin, so in cluster mode they land on different nodes.
"""
import os
import secrets

import pytest
from stream_chat import StreamChat

from wsclient import Nodes, RawUser

RUN = secrets.token_hex(4)


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run these tests through tests/sdk/run.sh", returncode=2)
    return value


@pytest.fixture(scope="session")
def settings():
    urls = os.environ.get("HERALD_URLS") or _env("HERALD_URL")
    return {
        "nodes": Nodes([u.strip() for u in urls.split(",") if u.strip()]),
        "key": _env("HERALD_API_KEY"),
        "secret": _env("HERALD_API_SECRET"),
    }


@pytest.fixture
def client(settings):
    """The server-side client exactly as an app backend builds it, on the next node."""
    url = settings["nodes"].next()
    return StreamChat(api_key=settings["key"], api_secret=settings["secret"], base_url=url)


@pytest.fixture
def uid():
    """uid("alice") -> a user/channel id unique to this run and call."""
    counter = iter(range(1, 1_000_000))

    def make(prefix: str) -> str:
        return f"{prefix}-{RUN}-{next(counter)}-{secrets.token_hex(2)}"

    return make


@pytest.fixture
def raw_user(settings, client):
    """raw_user(user_id) -> RawUser to open WebSockets / make user-token calls for that user."""

    def make(user_id: str) -> RawUser:
        return RawUser(settings["nodes"], settings["key"], user_id, client.create_token(user_id))

    return make
