// Users, channels and membership through the official JS SDK: upsertUsers/queryUsers,
// server-side channel creation with members and created_by_id, addMembers (member.added to
// watchers, notification.added_to_channel to the added user), removeMembers (member.removed),
// channel.update (channel.updated) and queryChannels with {cid: {$in: [...]}}.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, uid } from './helpers.mjs';

test('upsertUsers returns the users keyed by id; queryUsers finds them', async (t) => {
  const s = new Session(t);
  const alice = uid('alice');
  const bob = uid('bob');
  const res = await s.server.upsertUsers([
    { id: alice, name: 'Alice', color: 'red' },
    { id: bob, name: 'Bob' },
  ]);
  assert.equal(res.users?.[alice]?.id, alice);
  assert.equal(res.users[alice].name, 'Alice');
  assert.equal(res.users[alice].color, 'red', 'custom fields are kept');
  assert.equal(res.users?.[bob]?.id, bob);

  const found = await s.server.queryUsers({ id: { $in: [alice, bob] } });
  assert.deepEqual(found.users.map((u) => u.id).sort(), [alice, bob].sort());
});

test('server-side channel create with members and created_by_id', async (t) => {
  const s = new Session(t);
  const alice = uid('alice');
  const bob = uid('bob');
  await s.upsertUsers(alice, bob);
  const room = await s.createChannel('messaging', [alice, bob], { name: 'Room' });
  const res = room.createResponse;

  assert.equal(res.channel?.cid, room.cid);
  assert.equal(res.channel.type, 'messaging');
  assert.equal(res.channel.id, room.id);
  assert.equal(res.channel.created_by?.id, alice);
  assert.equal(res.channel.name, 'Room', 'custom data is flattened into channel');
  assert.ok(Array.isArray(res.members), 'members is an array');
  assert.deepEqual(res.members.map((m) => m.user_id ?? m.user?.id).sort(), [alice, bob].sort());
});

test('addMembers: member.added to watchers, notification.added_to_channel to the added user', async (t) => {
  const s = new Session(t);
  const alice = uid('alice');
  const carol = uid('carol');
  await s.upsertUsers(alice, carol);
  const room = await s.createChannel('messaging', [alice]);
  const [aliceClient] = await s.connect(alice);
  const [carolClient] = await s.connect(carol);
  const aliceCh = await s.watch(aliceClient, 'messaging', room.id);

  const added = s.waitFor(aliceCh, 'member.added', (e) => e.member?.user?.id === carol);
  const notified = s.waitFor(carolClient, 'notification.added_to_channel', (e) => (e.cid ?? e.channel?.cid) === room.cid);
  const res = await room.addMembers([carol]);
  assert.ok(res.members.some((m) => (m.user_id ?? m.user?.id) === carol), 'response lists carol');

  const ev = await added;
  assert.equal(ev.cid, room.cid);
  assert.ok(aliceCh.state.members[carol], 'alice\'s channel state has carol as member');
  await notified;
});

test('removeMembers: member.removed names the removed user', async (t) => {
  const s = new Session(t);
  const alice = uid('alice');
  const bob = uid('bob');
  await s.upsertUsers(alice, bob);
  const room = await s.createChannel('messaging', [alice, bob]);
  const [aliceClient] = await s.connect(alice);
  const aliceCh = await s.watch(aliceClient, 'messaging', room.id);
  assert.ok(aliceCh.state.members[bob], 'bob starts as member');

  const removed = s.waitFor(aliceCh, 'member.removed', (e) => e.user?.id === bob);
  await room.removeMembers([bob]);
  const ev = await removed;
  assert.equal(ev.cid, room.cid);
  assert.equal(aliceCh.state.members[bob], undefined, 'bob is gone from alice\'s member list');
});

test('channel.update sends channel.updated with the new data', async (t) => {
  const s = new Session(t);
  const alice = uid('alice');
  await s.upsertUsers(alice);
  const room = await s.createChannel('messaging', [alice], { name: 'Before' });
  const [aliceClient] = await s.connect(alice);
  const aliceCh = await s.watch(aliceClient, 'messaging', room.id);

  const updated = s.waitFor(aliceCh, 'channel.updated', (e) => e.channel?.name === 'After');
  const res = await room.update({ name: 'After', color: 'blue' });
  assert.equal(res.channel?.name, 'After');
  const ev = await updated;
  assert.equal(ev.cid, room.cid);
  assert.equal(ev.channel.color, 'blue');
  assert.equal(aliceCh.data.name, 'After', 'client replaced channel data');
});

test('queryChannels with {cid: {$in: [...]}} returns the channels', async (t) => {
  const s = new Session(t);
  const alice = uid('alice');
  await s.upsertUsers(alice);
  const one = await s.createChannel('messaging', [alice]);
  const two = await s.createChannel('messaging', [alice]);
  const [aliceClient] = await s.connect(alice);

  const channels = await aliceClient.queryChannels({ cid: { $in: [one.cid, two.cid] } });
  assert.deepEqual(channels.map((c) => c.cid).sort(), [one.cid, two.cid].sort());
  assert.ok(channels.every((c) => c.initialized), 'channels are initialized from the response');
});
