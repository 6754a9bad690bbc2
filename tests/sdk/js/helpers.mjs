// Shared harness for the official stream-chat JS SDK tests against herald.
// Reads HERALD_URL / HERALD_API_KEY / HERALD_API_SECRET (set by tests/sdk/run.sh), builds
// server-side and user clients, waits for events with timeouts, and tears everything down.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { StreamChat } from 'stream-chat';

function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through tests/sdk/run.sh`);
  return value;
}

export const BASE_URL = requireEnv('HERALD_URL').replace(/\/+$/, '');
export const API_KEY = requireEnv('HERALD_API_KEY');
export const API_SECRET = requireEnv('HERALD_API_SECRET');

const RUN = randomBytes(4).toString('hex');
let counter = 0;

/** A fresh id, unique per run and per call, valid as a user id and a channel id. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${RUN}-${counter}-${randomBytes(2).toString('hex')}`;
}

/** Server-side client (JWT {"server":true}); the same construction an app backend uses. */
export function serverClient() {
  return new StreamChat(API_KEY, API_SECRET, { baseURL: BASE_URL });
}

/** Expired user token for `userId` (exp one hour ago), signed by the SDK. */
export function expiredToken(userId) {
  return serverClient().createToken(userId, Math.floor(Date.now() / 1000) - 3600);
}

function brief(event) {
  const { type, cid, user, watcher_count: wc } = event;
  return JSON.stringify({ type, cid, user: user?.id, online: user?.online, watcher_count: wc });
}

function label(target) {
  return target.cid
    ? `channel ${target.cid} watched by ${target.getClient().userID}`
    : `client of ${target.userID}`;
}

/**
 * One test's clients and pending waits. `close()` (registered with `t.after`) cancels every
 * wait and disconnects every user client, so the process exits on its own.
 */
export class Session {
  constructor(t) {
    this.server = serverClient();
    this.clients = [];
    this.waits = new Set();
    t.after(() => this.close());
  }

  /** Creates (upserts) users through the server client. */
  async upsertUsers(...ids) {
    const res = await this.server.upsertUsers(ids.map((id) => ({ id, name: `name of ${id}` })));
    return res;
  }

  /**
   * Creates a channel server-side (created_by_id = first member) and returns the server's
   * channel object; `createResponse` holds the create response.
   */
  async createChannel(type, members, data = {}) {
    const channel = this.server.channel(type, uid('room'), {
      members,
      created_by_id: members[0],
      ...data,
    });
    channel.createResponse = await channel.create();
    return channel;
  }

  /** `client` watches channel `type:id` (presence on by default); returns the watching channel. */
  async watch(client, type, id, options = { presence: true }) {
    const channel = client.channel(type, id);
    channel.watchResponse = await channel.watch(options);
    return channel;
  }

  /** A fresh user-side client for `userId`, not yet connected. */
  userClient() {
    const client = new StreamChat(API_KEY, { baseURL: BASE_URL, allowServerSideConnect: true });
    this.clients.push(client);
    return client;
  }

  /** Connects `userId` with a token made by the server client; returns [client, connectResult]. */
  async connect(userId, extra = {}) {
    const client = this.userClient();
    const token = this.server.createToken(userId);
    const result = await client.connectUser({ id: userId, ...extra }, token);
    return [client, result];
  }

  /**
   * Resolves with the first event of `type` on `target` (a client or a channel) for which
   * `predicate` is true; rejects after `ms`. Call it BEFORE the action that triggers the event.
   */
  waitFor(target, type, predicate = () => true, ms = 5000) {
    const seen = [];
    let sub;
    let all;
    let timer;
    const wait = {};
    const promise = new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        sub?.unsubscribe();
        all?.unsubscribe();
        this.waits.delete(wait);
      };
      wait.cancel = () => {
        finish();
        reject(new Error(`wait for ${type} cancelled by test teardown`));
      };
      const onTimeout = () => {
        finish();
        reject(
          new Error(
            `no ${type} event within ${ms} ms on ${label(target)}; ` +
              `events seen meanwhile: ${seen.length ? seen.join(' ') : 'none'}`,
          ),
        );
      };
      all = target.on((event) => {
        if (event.type !== 'health.check') seen.push(brief(event));
      });
      sub = target.on(type, (event) => {
        let ok = false;
        try {
          ok = predicate(event);
        } catch {
          ok = false;
        }
        if (ok) {
          finish();
          resolve(event);
        }
      });
      timer = setTimeout(onTimeout, ms);
    });
    // Mark as handled so a wait abandoned by a failing step never becomes an unhandled rejection.
    promise.catch(() => {});
    this.waits.add(wait);
    return promise;
  }

  async close() {
    for (const wait of [...this.waits]) wait.cancel();
    await Promise.all(this.clients.map((c) => c.disconnectUser().catch(() => {})));
  }
}

/** Asserts that `promise` rejects with an SDK ErrorFromResponse carrying `status` and `code`. */
export async function assertApiError(promise, { status, code }) {
  let error;
  try {
    const res = await promise;
    assert.fail(`expected HTTP ${status} / code ${code}, got success: ${JSON.stringify(res)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    error = e;
  }
  const body = JSON.stringify(error.response?.data);
  assert.equal(error.status, status, `HTTP status (body ${body}; error ${error.message})`);
  assert.equal(error.code, code, `Stream error code (body ${body})`);
  return error;
}
