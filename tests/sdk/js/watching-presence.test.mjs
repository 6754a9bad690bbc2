// Watchers and presence through the official JS client: user.watching.start/stop with an
// accurate watcher_count, a closed socket dropping its watch, and user.presence.changed
// (online:true on connect, online:false on disconnectUser) for presence:true watchers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, uid } from './helpers.mjs';

async function roomWithWatcher(t) {
  const s = new Session(t);
  const alice = uid('alice');
  const bob = uid('bob');
  await s.upsertUsers(alice, bob);
  const room = await s.createChannel('messaging', [alice, bob]);
  const [aliceClient] = await s.connect(alice);
  const aliceCh = await s.watch(aliceClient, 'messaging', room.id);
  return { s, alice, bob, room, aliceClient, aliceCh };
}

test('channel.watch({presence: true}) returns the channel state', async (t) => {
  const { alice, bob, room, aliceCh } = await roomWithWatcher(t);
  const res = aliceCh.watchResponse;
  assert.equal(res.channel?.cid, room.cid);
  assert.equal(res.channel.config?.typing_events, true, 'config.typing_events');
  assert.ok(Array.isArray(res.messages), 'messages is an array');
  assert.deepEqual(res.members.map((m) => m.user_id ?? m.user?.id).sort(), [alice, bob].sort());
  assert.equal(aliceCh.initialized, true);
  assert.ok(aliceCh.state.members[bob], 'members are in the client state');
});

test('user.watching.start / user.watching.stop carry watcher_count', async (t) => {
  const { s, bob, room, aliceCh } = await roomWithWatcher(t);
  const [bobClient] = await s.connect(bob);

  const start = s.waitFor(aliceCh, 'user.watching.start', (e) => e.user?.id === bob);
  const bobCh = await s.watch(bobClient, 'messaging', room.id);
  const started = await start;
  assert.equal(started.cid, room.cid);
  assert.equal(started.watcher_count, 2, 'two watchers after bob starts watching');
  assert.ok(aliceCh.state.watchers[bob], 'bob is in alice\'s watcher list');

  const stop = s.waitFor(aliceCh, 'user.watching.stop', (e) => e.user?.id === bob);
  await bobCh.stopWatching();
  const stopped = await stop;
  assert.equal(stopped.cid, room.cid);
  assert.equal(stopped.watcher_count, 1, 'one watcher left after stopWatching()');
  assert.equal(aliceCh.state.watcher_count, 1);
  assert.equal(aliceCh.state.watchers[bob], undefined);
});

test('closing a watching socket sends user.watching.stop', async (t) => {
  const { s, bob, room, aliceCh } = await roomWithWatcher(t);
  const [bobClient] = await s.connect(bob);
  const start = s.waitFor(aliceCh, 'user.watching.start', (e) => e.user?.id === bob);
  await s.watch(bobClient, 'messaging', room.id);
  await start;

  const stop = s.waitFor(aliceCh, 'user.watching.stop', (e) => e.user?.id === bob);
  await bobClient.disconnectUser();
  const stopped = await stop;
  assert.equal(stopped.watcher_count, 1);
});

test('user.presence.changed: online on connect, offline on disconnectUser', async (t) => {
  const { s, bob, aliceClient } = await roomWithWatcher(t);

  const online = s.waitFor(aliceClient, 'user.presence.changed', (e) => e.user?.id === bob && e.user.online === true);
  const [bobClient] = await s.connect(bob);
  const on = await online;
  assert.equal(on.user.online, true);

  const offline = s.waitFor(aliceClient, 'user.presence.changed', (e) => e.user?.id === bob && e.user.online === false);
  await bobClient.disconnectUser();
  const off = await offline;
  assert.equal(off.user.online, false);
  assert.ok(off.user.last_active, 'last_active is set when going offline');
  assert.equal(aliceClient.state.users[bob]?.online, false, 'client state reflects bob offline');
});
