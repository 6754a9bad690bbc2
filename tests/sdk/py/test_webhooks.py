"""Webhooks through the official Python SDK: `update_app_settings` / `get_app_settings`
configure an endpoint (a real HTTP server in this test), and every request herald sends
verifies with the SDK's own `verify_webhook` (X-Signature over the exact body bytes)."""
import json
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def receiver():
    received = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.put(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def _next(received, want, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            headers, body = received.get(timeout=max(0.05, deadline - time.time()))
        except queue.Empty:
            break
        if json.loads(body).get("type") == want:
            return headers, body
    raise AssertionError(f"no {want} webhook within {timeout}s")


def test_webhook_requests_verify_with_the_sdk(client, uid, receiver):
    url, received = receiver
    hook_id = uid("hook")
    client.update_app_settings(
        event_hooks=[
            {"id": hook_id, "enabled": True, "hook_type": "webhook", "webhook_url": url,
             "event_types": ["message.new", "friendship_request"]}
        ]
    )
    try:
        app = client.get_app_settings()["app"]
        assert [h["webhook_url"] for h in app["event_hooks"] if h["id"] == hook_id] == [url]
        alice = uid("alice")
        client.upsert_user({"id": alice})
        channel = client.channel("messaging", uid("room"), {"members": [alice]})
        channel.create(alice)
        # other nodes pick the new settings up within their refresh interval: send until one arrives
        deadline = time.time() + 15
        while True:
            channel.send_message({"text": "hello hook"}, alice)
            try:
                headers, body = _next(received, "message.new", timeout=0.5)
                break
            except AssertionError:
                assert time.time() < deadline, "no message.new webhook"
        assert client.verify_webhook(body, headers["x-signature"])
        assert not client.verify_webhook(body, headers["x-signature"].upper())
        assert not client.verify_webhook(body + b" ", headers["x-signature"])
        assert headers["x-api-key"] == client.api_key
        assert headers["x-webhook-attempt"] == "1"
        assert headers["x-webhook-id"]
        event = json.loads(body)
        assert event["message"]["text"] == "hello hook"
        assert event["user"]["id"] == alice
        assert any(m["user_id"] == alice for m in event["members"])
        assert event["request_info"]["type"] == "server"
        assert event["request_info"]["sdk"].startswith("stream-python-client"), event["request_info"]

        # a user custom event is copied to webhooks
        client.send_user_custom_event(alice, {"type": "friendship_request", "text": "hi"})
        headers, body = _next(received, "friendship_request")
        assert client.verify_webhook(body, headers["x-signature"])
        event = json.loads(body)
        assert event["text"] == "hi" and event["target_user_id"] == alice
    finally:
        client.update_app_settings(event_hooks=[])
