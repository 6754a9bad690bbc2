"""Moderation through the official Python SDK: ban_user / unban_user (global and per channel,
observed as user.banned / user.unbanned, sends refused with code 17), query_banned_users,
mute_user / unmute_user (notification.mutes_updated), deactivate_user / reactivate_user /
delete_user / delete_users (+ get_task), flag_user, and reminders."""
import asyncio
import datetime
import time

import pytest
from stream_chat.base.exceptions import StreamAPIException


@pytest.fixture
def room(client, uid):
    alice, bob = uid("alice"), uid("bob")
    client.upsert_users([{"id": alice}, {"id": bob}])
    channel = client.channel("messaging", uid("room"), {"members": [alice, bob]})
    channel.create(alice)
    return channel, alice, bob


def refused(call):
    with pytest.raises(StreamAPIException) as err:
        call()
    assert err.value.status_code == 403, err.value.response_text
    assert err.value.error_code == 17, err.value.response_text


def test_global_ban_and_unban(client, raw_user, room):
    channel, alice, bob = room

    async def scenario():
        async with raw_user(bob).socket() as ws:
            await asyncio.to_thread(client.ban_user, bob, banned_by_id=alice, reason="spam", timeout=60)
            got = await ws.wait_for(lambda e: e.get("type") == "user.banned")
            assert got["user"]["id"] == bob
            assert got["reason"] == "spam"
            refused(lambda: channel.send_message({"text": "hi"}, bob))
            bans = await asyncio.to_thread(client.query_banned_users, {"user_id": bob})
            assert [b["user"]["id"] for b in bans["bans"]] == [bob]
            await asyncio.to_thread(client.unban_user, bob)
            await ws.wait_for(lambda e: e.get("type") == "user.unbanned")
            await asyncio.to_thread(channel.send_message, {"text": "back"}, bob)

    asyncio.run(scenario())


def test_channel_ban_reaches_watchers(client, raw_user, room):
    channel, alice, bob = room

    async def scenario():
        async with raw_user(alice).socket() as ws:
            await asyncio.to_thread(ws.watch, "messaging", channel.id)
            await asyncio.to_thread(channel.ban_user, bob, banned_by_id=alice)
            got = await ws.wait_for(lambda e: e.get("type") == "user.banned")
            assert got["user"]["id"] == bob
            assert got["cid"] == channel.cid
            refused(lambda: channel.send_message({"text": "hi"}, bob))
            await asyncio.to_thread(channel.unban_user, bob)
            got = await ws.wait_for(lambda e: e.get("type") == "user.unbanned")
            assert got["cid"] == channel.cid
            await asyncio.to_thread(channel.send_message, {"text": "back"}, bob)

    asyncio.run(scenario())


def test_mute_and_unmute(client, raw_user, room):
    _, alice, bob = room

    async def scenario():
        async with raw_user(alice).socket() as ws:
            res = await asyncio.to_thread(client.mute_user, bob, alice)
            assert res["mute"]["target"]["id"] == bob
            got = await ws.wait_for(lambda e: e.get("type") == "notification.mutes_updated")
            assert [m["target"]["id"] for m in got["me"]["mutes"]] == [bob]
            await asyncio.to_thread(client.unmute_user, bob, alice)
            got = await ws.wait_for(lambda e: e.get("type") == "notification.mutes_updated" and e["me"]["mutes"] == [])
        async with raw_user(alice).socket() as again:
            assert again.hello["me"]["mutes"] == []

    asyncio.run(scenario())


def test_deactivate_reactivate_and_delete_user(client, raw_user, room):
    channel, alice, bob = room
    sent = channel.send_message({"text": "mine"}, bob)

    async def scenario():
        async with raw_user(bob).socket() as ws:
            res = await asyncio.to_thread(client.deactivate_user, bob, mark_messages_deleted=True, created_by_id=alice)
            assert res["user"]["id"] == bob
            await ws.wait_for(lambda e: e.get("type") == "user.deactivated")

    asyncio.run(scenario())
    assert client.get_message(sent["message"]["id"])["message"]["type"] == "deleted"
    res = client.reactivate_user(bob, restore_messages=True)
    assert "deactivated_at" not in res["user"]
    assert client.get_message(sent["message"]["id"])["message"]["type"] == "regular"
    res = client.delete_user(bob, mark_messages_deleted=True)
    assert res["user"]["deleted_at"]
    task = client.delete_users([alice], "hard", messages="hard")
    status = client.get_task(task["task_id"])
    assert status["status"] == "completed", status
    assert status["result"][alice]["status"] == "ok", status


def test_flag_user(client, room):
    _, alice, bob = room
    res = client.flag_user(bob, user_id=alice, reason="spam")
    assert res["flag"]["target_user"]["id"] == bob
    res = client.unflag_user(bob, user_id=alice)
    assert res["flag"]["user"]["id"] == alice


def test_reminders(client, raw_user, room):
    channel, alice, bob = room
    message = channel.send_message({"text": "remind me"}, bob)["message"]

    async def scenario():
        async with raw_user(alice).socket() as ws:
            res = await asyncio.to_thread(client.create_reminder, message["id"], alice, None)
            assert res["reminder"]["message_id"] == message["id"]
            await ws.wait_for(lambda e: e.get("type") == "reminder.created")
            await asyncio.to_thread(client.update_reminder, message["id"], alice, None)
            found = await asyncio.to_thread(client.query_reminders, alice)
            assert [r["message_id"] for r in found["reminders"]] == [message["id"]]
            await asyncio.to_thread(client.delete_reminder, message["id"], alice)
            await ws.wait_for(lambda e: e.get("type") == "reminder.deleted")
            # due within two seconds (the SDK sends whole seconds)
            soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
            await asyncio.to_thread(client.create_reminder, message["id"], alice, soon)
            due = await ws.wait_for(lambda e: e.get("type") == "notification.reminder_due", timeout=10)
            assert due["message_id"] == message["id"]

    asyncio.run(scenario())


def test_export_users(client, room):
    _, alice, bob = room
    task = client.export_users([alice, bob])
    deadline = time.time() + 10
    while True:
        status = client.get_task(task["task_id"])
        if status["status"] == "completed":
            break
        assert status["status"] == "pending", status
        assert time.time() < deadline, status
        time.sleep(0.1)
    assert status["result"]["url"].endswith(".json")
