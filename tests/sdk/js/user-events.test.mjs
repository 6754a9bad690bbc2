// Custom events aimed at a user (server-side sendUserCustomEvent): delivery to every
// connection of the target user, and the documented errors (unknown user 404/16, a '.' in
// the type 400/4, payload over 5 KB 413/22, user token on this server-only call 403/17).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Session, assertApiError, uid } from './helpers.mjs';

test('sendUserCustomEvent reaches every connection of the target user', async (t) => {
  const s = new Session(t);
  const dave = uid('dave');
  await s.upsertUsers(dave);
  const [phone] = await s.connect(dave);
  const [laptop] = await s.connect(dave);
  const text = `Tommaso wants to be your friend ${uid('t')}`;

  const onPhone = s.waitFor(phone, 'friendship_request', (e) => e.text === text);
  const onLaptop = s.waitFor(laptop, 'friendship_request', (e) => e.text === text);
  await s.server.sendUserCustomEvent(dave, { type: 'friendship_request', text });

  const [a, b] = await Promise.all([onPhone, onLaptop]);
  assert.equal(a.type, 'friendship_request');
  assert.equal(a.text, text, 'custom fields are flattened at the top level');
  assert.equal(b.text, text);
});

test('sendUserCustomEvent to an unknown user is 404 with code 16', async (t) => {
  const s = new Session(t);
  await assertApiError(s.server.sendUserCustomEvent(uid('nobody'), { type: 'friendship_request' }), {
    status: 404,
    code: 16,
  });
});

test('sendUserCustomEvent with a "." in the type is 400 with code 4', async (t) => {
  const s = new Session(t);
  const erin = uid('erin');
  await s.upsertUsers(erin);
  await assertApiError(s.server.sendUserCustomEvent(erin, { type: 'friendship.request' }), {
    status: 400,
    code: 4,
  });
});

test('sendUserCustomEvent over 5 KB is 413 with code 22', async (t) => {
  const s = new Session(t);
  const frank = uid('frank');
  await s.upsertUsers(frank);
  await assertApiError(s.server.sendUserCustomEvent(frank, { type: 'big_event', blob: 'x'.repeat(6 * 1024) }), {
    status: 413,
    code: 22,
  });
});

test('sendUserCustomEvent with a user token is refused (403, code 17)', async (t) => {
  const s = new Session(t);
  const gina = uid('gina');
  const hank = uid('hank');
  await s.upsertUsers(gina, hank);
  const [ginaClient] = await s.connect(gina);
  await assertApiError(ginaClient.sendUserCustomEvent(hank, { type: 'friendship_request' }), {
    status: 403,
    code: 17,
  });
});
