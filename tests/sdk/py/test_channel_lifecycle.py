"""Read state and channel lifecycle through the official Python SDK, observed on a raw
WebSocket: mark_read / mark_unread (message.read, notification.mark_unread), truncate with a
system message (channel.truncated), hide / show (channel.hidden / channel.visible), mute /
unmute (notification.channel_mutes_updated), invite_members / accept_invite
(notification.invited, notification.invite_accepted), add_moderators and
update_member_partial (member.updated)."""
import asyncio


def test_reads_and_truncate_from_a_backend(client, uid, raw_user):
    alice, bob = uid("alice"), uid("bob")
    client.upsert_users([{"id": alice}, {"id": bob}])
    channel = client.channel("messaging", uid("room"), {"members": [alice, bob]})
    channel.create(alice)
    first = channel.send_message({"text": "one"}, alice)["message"]
    channel.send_message({"text": "two"}, alice)

    async def scenario():
        async with raw_user(bob).socket() as ws:
            assert ws.hello["me"]["total_unread_count"] == 2
            await asyncio.to_thread(ws.watch, "messaging", channel.id)
            res = await asyncio.to_thread(channel.mark_read, bob)
            assert res["event"]["type"] == "message.read"
            await ws.wait_for(lambda e: e.get("type") == "message.read" and e["user"]["id"] == bob)
            await ws.wait_for(lambda e: e.get("type") == "notification.mark_read" and e["total_unread_count"] == 0)

            await asyncio.to_thread(channel.mark_unread, bob, message_id=first["id"])
            got = await ws.wait_for(lambda e: e.get("type") == "notification.mark_unread")
            assert got["unread_messages"] == 2

            res = await asyncio.to_thread(channel.truncate, message={"text": "cleared", "user_id": alice}, skip_push=True)
            assert res["channel"]["truncated_at"]
            got = await ws.wait_for(lambda e: e.get("type") == "channel.truncated")
            assert got["message"]["text"] == "cleared"
            state = await asyncio.to_thread(channel.query, state=True)
            assert [m["text"] for m in state["messages"]] == ["cleared"]

            await asyncio.to_thread(channel.hide, bob)
            await ws.wait_for(lambda e: e.get("type") == "channel.hidden" and e["cid"] == channel.cid)
            await asyncio.to_thread(channel.show, bob)
            await ws.wait_for(lambda e: e.get("type") == "channel.visible" and e["cid"] == channel.cid)

            res = await asyncio.to_thread(channel.mute, bob)
            assert res["channel_mute"]["channel"]["cid"] == channel.cid
            got = await ws.wait_for(lambda e: e.get("type") == "notification.channel_mutes_updated")
            assert [m["channel"]["cid"] for m in got["me"]["channel_mutes"]] == [channel.cid]
            await asyncio.to_thread(channel.unmute, bob)
            got = await ws.wait_for(lambda e: e.get("type") == "notification.channel_mutes_updated" and e["me"]["channel_mutes"] == [])

    asyncio.run(scenario())


def test_invites_moderators_and_member_data_from_a_backend(client, uid, raw_user):
    alice, bob, carol = uid("alice"), uid("bob"), uid("carol")
    client.upsert_users([{"id": alice}, {"id": bob}, {"id": carol}])
    channel = client.channel("messaging", uid("room"), {"members": [alice, bob]})
    channel.create(alice)

    async def scenario():
        async with raw_user(carol).socket() as carol_ws, raw_user(alice).socket() as alice_ws:
            await asyncio.to_thread(alice_ws.watch, "messaging", channel.id)
            await asyncio.to_thread(channel.invite_members, [carol])
            got = await carol_ws.wait_for(lambda e: e.get("type") == "notification.invited")
            assert got["member"]["invited"] is True
            res = await asyncio.to_thread(channel.accept_invite, carol)
            assert any(m["user_id"] == carol and m.get("invite_accepted_at") for m in res["members"])
            await carol_ws.wait_for(lambda e: e.get("type") == "notification.invite_accepted")
            await alice_ws.wait_for(lambda e: e.get("type") == "member.updated" and e["user"]["id"] == carol)

            await asyncio.to_thread(channel.add_moderators, [bob])
            got = await alice_ws.wait_for(lambda e: e.get("type") == "member.updated" and e["user"]["id"] == bob)
            assert got["member"]["channel_role"] == "channel_moderator"
            res = await asyncio.to_thread(channel.update_member_partial, bob, {"nickname": "bobby"})
            assert res["channel_member"]["nickname"] == "bobby"
            got = await alice_ws.wait_for(lambda e: e.get("type") == "member.updated" and e["member"].get("nickname") == "bobby")

    asyncio.run(scenario())
