// Read state and channel lifecycle through the official JS SDK: unread counts in `me` on connect
// and in channel.state (read, unreadCount), channel.markRead (message.read to watchers,
// notification.mark_read to the reader), channel.markUnread (notification.mark_unread),
// client.markAllRead, channel.hide / channel.show (channel.hidden / channel.visible, hidden
// channels left out of queryChannels), and channel.mute / unmute (mutedChannels).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, uid } from './helpers.mjs';

/** alice and bob are members of a fresh channel with two messages from alice. */
async function room(t) {
  const s = new Session(t);
  const [alice, bob] = [uid('alice'), uid('bob')];
  await s.upsertUsers(alice, bob);
  const channel = await s.createChannel('messaging', [alice, bob]);
  const ids = [];
  for (const text of ['one', 'two']) {
    ids.push((await channel.sendMessage({ text, user_id: alice })).message.id);
  }
  return { s, alice, bob, channel, ids };
}

test('unread counts in me and channel state; markRead: message.read to watchers, notification.mark_read to the reader', async (t) => {
  const { s, alice, bob, channel, ids } = await room(t);
  const [bobClient, connected] = await s.connect(bob);
  assert.equal(connected.me.total_unread_count, 2);
  assert.equal(connected.me.unread_channels, 1);
  assert.deepEqual(connected.me.channel_mutes, []);
  const [aliceClient] = await s.connect(alice);
  const aliceCh = await s.watch(aliceClient, 'messaging', channel.id);
  const bobCh = await s.watch(bobClient, 'messaging', channel.id);
  assert.equal(bobCh.state.unreadCount, 2, 'the client takes its unread count from read[]');
  assert.equal(bobCh.state.read[bob].unread_messages, 2);

  const seenByAlice = s.waitFor(aliceCh, 'message.read', (e) => e.user?.id === bob);
  const toBob = s.waitFor(bobClient, 'notification.mark_read', (e) => e.cid === channel.cid);
  const res = await bobCh.markRead();
  assert.equal(res.event.type, 'message.read');
  const read = await seenByAlice;
  assert.equal(read.last_read_message_id, ids[1]);
  assert.equal(aliceCh.state.read[bob].unread_messages, 0, 'alice sees bob has read');
  const note = await toBob;
  assert.equal(note.total_unread_count, 0);
  assert.equal(note.unread_channels, 0);
  assert.equal(bobCh.state.unreadCount, 0);

  const unread = s.waitFor(bobClient, 'notification.mark_unread', (e) => e.cid === channel.cid);
  await bobCh.markUnread({ message_id: ids[1] });
  const marked = await unread;
  assert.equal(marked.unread_messages, 1);
  assert.equal(marked.first_unread_message_id, ids[1]);
  assert.equal(bobCh.state.read[bob].unread_messages, 1);
  assert.equal(bobCh.state.unreadCount, 1);

  const all = s.waitFor(bobClient, 'notification.mark_read', (e) => e.unread_channels === 0 && e.total_unread_count === 0);
  await bobClient.markAllRead();
  await all;
  assert.equal(bobCh.state.unreadCount, 0, 'notification.mark_read with unread_channels 0 zeroes every channel');
});

test('hide and show: channel.hidden / channel.visible to the user, hidden channels left out of queryChannels', async (t) => {
  const { s, alice, bob, channel } = await room(t);
  const [bobClient] = await s.connect(bob);
  const bobCh = await s.watch(bobClient, 'messaging', channel.id);
  const listed = async (filter = {}) =>
    (await bobClient.queryChannels({ cid: channel.cid, ...filter }, {}, { watch: false, state: true })).map((c) => c.cid);

  const hidden = s.waitFor(bobClient, 'channel.hidden', (e) => e.cid === channel.cid);
  await bobCh.hide();
  await hidden;
  assert.deepEqual(await listed(), []);
  assert.deepEqual(await listed({ hidden: true }), [channel.cid]);

  const visible = s.waitFor(bobClient, 'channel.visible', (e) => e.cid === channel.cid);
  await bobCh.show();
  await visible;
  assert.deepEqual(await listed(), [channel.cid]);

  // hidden again, then a new message shows it
  await bobCh.hide();
  const shown = s.waitFor(bobClient, 'channel.visible', (e) => e.cid === channel.cid);
  await channel.sendMessage({ text: 'wake up', user_id: alice });
  await shown;
  assert.deepEqual(await listed(), [channel.cid]);
});

test('channel.mute / unmute: notification.channel_mutes_updated fills client.mutedChannels', async (t) => {
  const { s, bob, channel } = await room(t);
  const [bobClient] = await s.connect(bob);
  const bobCh = await s.watch(bobClient, 'messaging', channel.id);
  const muted = s.waitFor(bobClient, 'notification.channel_mutes_updated', (e) => e.me?.channel_mutes?.length === 1);
  const res = await bobCh.mute();
  assert.equal(res.channel_mute.channel.cid, channel.cid);
  await muted;
  assert.equal(bobClient.mutedChannels.length, 1);
  assert.equal(bobCh.muteStatus().muted, true);
  const unmuted = s.waitFor(bobClient, 'notification.channel_mutes_updated', (e) => e.me?.channel_mutes?.length === 0);
  await bobCh.unmute();
  await unmuted;
  assert.equal(bobCh.muteStatus().muted, false);
});
