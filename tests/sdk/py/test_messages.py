"""Messages and reactions through the official Python SDK, observed on a raw WebSocket:
channel.send_message with a user (message.new), update_message / update_message_partial
(message.updated), send_reaction / delete_reaction (reaction.new / reaction.deleted),
get_reactions, and delete_message (soft, then hard: message.deleted)."""
import asyncio


def test_messages_and_reactions_from_a_backend(client, uid, raw_user):
    alice, bob = uid("alice"), uid("bob")
    client.upsert_users([{"id": alice}, {"id": bob}])
    channel = client.channel("messaging", uid("room"), {"members": [alice, bob]})
    channel.create(alice)

    async def scenario():
        async with raw_user(bob).socket() as ws:
            await asyncio.to_thread(ws.watch, "messaging", channel.id)
            sent = await asyncio.to_thread(channel.send_message, {"text": "hi from python", "topic": "sdk"}, alice)
            message = sent["message"]
            assert message["user"]["id"] == alice
            assert message["topic"] == "sdk"
            got = await ws.wait_for(lambda e: e.get("type") == "message.new")
            assert got["message"]["id"] == message["id"]

            await asyncio.to_thread(client.update_message, {"id": message["id"], "text": "edited", "user_id": alice})
            got = await ws.wait_for(lambda e: e.get("type") == "message.updated")
            assert got["message"]["text"] == "edited"
            await asyncio.to_thread(client.update_message_partial, message["id"], {"set": {"topic": "changed"}}, alice)
            got = await ws.wait_for(lambda e: e.get("type") == "message.updated" and e["message"].get("topic") == "changed")

            res = await asyncio.to_thread(channel.send_reaction, message["id"], {"type": "like", "score": 2}, bob)
            assert res["reaction"]["user_id"] == bob
            got = await ws.wait_for(lambda e: e.get("type") == "reaction.new")
            assert got["message"]["reaction_scores"] == {"like": 2}
            listed = await asyncio.to_thread(channel.get_reactions, message["id"])
            assert [r["type"] for r in listed["reactions"]] == ["like"]
            await asyncio.to_thread(channel.delete_reaction, message["id"], "like", bob)
            got = await ws.wait_for(lambda e: e.get("type") == "reaction.deleted")
            assert got["message"]["reaction_counts"] == {}

            await asyncio.to_thread(client.delete_message, message["id"])
            got = await ws.wait_for(lambda e: e.get("type") == "message.deleted")
            assert got["hard_delete"] is False
            await asyncio.to_thread(client.delete_message, message["id"], hard=True)
            got = await ws.wait_for(lambda e: e.get("type") == "message.deleted" and e.get("hard_delete"))
            assert got["message"]["id"] == message["id"]

    asyncio.run(scenario())
