//! The Lua scripts of the Redis store: each one is a read-modify-write that must be atomic across
//! nodes (Redis runs a script alone). Key names follow [`super::keys`]; keys built inside a
//! script from the prefix (`ARGV` last) belong to the single Redis a deployment uses.

use redis::Script;
use std::sync::LazyLock;

/// Compare-and-set of one hash field. KEYS: hash. ARGV: field, expected ('' = absent), new.
/// Returns 1 when written, 0 when the field changed meanwhile (the caller retries).
pub static CAS_FIELD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local cur = redis.call('HGET', KEYS[1], ARGV[1])
        if (cur or '') ~= ARGV[2] then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        return 1",
    )
});

/// KEYS: channels, members:{cid}, watch:{cid}, wcount:{cid}, cevents:{cid}, cevseq:{cid}, msgs,
/// msgord:{cid}, msgseq:{cid}. ARGV: cid, prefix. Deletes a channel with its members, watchers,
/// conversation events, messages and read state; returns the channel JSON (nil if none).
pub static DELETE_CHANNEL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local ch = redis.call('HGET', KEYS[1], ARGV[1])
        redis.call('HDEL', KEYS[1], ARGV[1])
        for _, user in ipairs(redis.call('HKEYS', KEYS[2])) do
            redis.call('SREM', ARGV[2] .. ':memberships:' .. user, ARGV[1])
        end
        for _, conn in ipairs(redis.call('HKEYS', KEYS[3])) do
            redis.call('SREM', ARGV[2] .. ':cwatch:' .. conn, ARGV[1])
        end
        for _, id in ipairs(redis.call('ZRANGE', KEYS[8], 0, -1)) do
            redis.call('HDEL', KEYS[7], id)
        end
        redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[8], KEYS[9])
        redis.call('DEL', ARGV[2] .. ':reads:' .. ARGV[1], ARGV[2] .. ':unread:' .. ARGV[1])
        return ch",
    )
});

/// KEYS: members:{cid}. ARGV: cid, prefix, user ids… Removes them with their read state.
/// Returns the removed members' JSON.
pub static REMOVE_MEMBERS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local out = {}
        for i = 3, #ARGV do
            local m = redis.call('HGET', KEYS[1], ARGV[i])
            if m then
                redis.call('HDEL', KEYS[1], ARGV[i])
                table.insert(out, m)
            end
            redis.call('SREM', ARGV[2] .. ':memberships:' .. ARGV[i], ARGV[1])
            redis.call('HDEL', ARGV[2] .. ':reads:' .. ARGV[1], ARGV[i])
            redis.call('HDEL', ARGV[2] .. ':unread:' .. ARGV[1], ARGV[i])
        end
        return out",
    )
});

/// KEYS: watch:{cid}, wcount:{cid}, cwatch:{conn}. ARGV: conn, user, cid.
/// Returns {1 if the user's first watching connection, distinct watching users}.
pub static ADD_WATCHER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local edge = 0
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
            redis.call('SADD', KEYS[3], ARGV[3])
            if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then edge = 1 end
        end
        return {edge, redis.call('HLEN', KEYS[2])}",
    )
});

/// KEYS: watch:{cid}, wcount:{cid}, cwatch:{conn}. ARGV: conn, user, cid.
/// Returns {1 if it was the user's last watching connection, distinct watching users}.
pub static REMOVE_WATCHER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local edge = 0
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
            redis.call('SREM', KEYS[3], ARGV[3])
            if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
                redis.call('HDEL', KEYS[2], ARGV[2])
                edge = 1
            end
        end
        return {edge, redis.call('HLEN', KEYS[2])}",
    )
});

/// KEYS: conns, uconns:{user}, nconns:{node}. ARGV: conn, node, user.
/// Returns 1 when it is the user's first connection anywhere.
pub static ADD_CONNECTION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({node = ARGV[2], user = ARGV[3]}))
        redis.call('SADD', KEYS[3], ARGV[1])
        if redis.call('SADD', KEYS[2], ARGV[1]) == 1 and redis.call('SCARD', KEYS[2]) == 1 then return 1 end
        return 0",
    )
});

/// KEYS: conns, uconns:{user}, cwatch:{conn}. ARGV: conn, prefix.
/// Returns 1 when it was the user's last connection anywhere.
pub static REMOVE_CONNECTION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local rec = redis.call('HGET', KEYS[1], ARGV[1])
        if rec then
            redis.call('SREM', ARGV[2] .. ':nconns:' .. cjson.decode(rec).node, ARGV[1])
            redis.call('HDEL', KEYS[1], ARGV[1])
        end
        redis.call('DEL', KEYS[3])
        if redis.call('SREM', KEYS[2], ARGV[1]) == 1 and redis.call('SCARD', KEYS[2]) == 0 then return 1 end
        return 0",
    )
});

/// KEYS: msgs, msgord:{cid}, msgseq:{cid}. ARGV: id, message JSON, keep.
/// Adds a message after the channel's newest and drops the oldest beyond `keep`.
/// Returns 0 (nothing written) when the id is taken.
pub static INSERT_MESSAGE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
        local seq = redis.call('INCR', KEYS[3])
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('ZADD', KEYS[2], seq, ARGV[1])
        local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
        if excess > 0 then
            for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess - 1)) do
                redis.call('HDEL', KEYS[1], id)
            end
            redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
        end
        return 1",
    )
});

/// KEYS: msgs. ARGV: id, prefix. Removes a message and its place in its channel's order;
/// returns its JSON (nil if none).
pub static DELETE_MESSAGE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local m = redis.call('HGET', KEYS[1], ARGV[1])
        if not m then return nil end
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('ZREM', ARGV[2] .. ':msgord:' .. cjson.decode(m).cid, ARGV[1])
        return m",
    )
});

/// KEYS: msgord:{cid}, msgs. ARGV: 'latest' | 'before' | 'after', cursor id, limit.
/// Returns up to `limit` message JSONs, oldest first: the newest, or those just before / after
/// the cursor message (none when it is not in the channel).
pub static MESSAGE_PAGE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local limit = tonumber(ARGV[3])
        if limit < 1 then return {} end
        local ids
        if ARGV[1] == 'latest' then
            ids = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1)
        else
            local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
            if not score then return {} end
            if ARGV[1] == 'before' then
                ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. score, '-inf', 'LIMIT', 0, limit)
            else
                ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. score, '+inf', 'LIMIT', 0, limit)
            end
        end
        local out = {}
        if ARGV[1] == 'after' then
            for i = 1, #ids do table.insert(out, ids[i]) end
        else
            for i = #ids, 1, -1 do table.insert(out, ids[i]) end
        end
        local messages = {}
        for _, id in ipairs(out) do
            local m = redis.call('HGET', KEYS[2], id)
            if m then table.insert(messages, m) end
        end
        return messages",
    )
});

/// KEYS: members:{cid}, unread:{cid}, unreadq. ARGV: sender, now (ms), cid, now (RFC 3339),
/// prefix. One more unread for every member but the sender and those with a live mute of the
/// channel (`chmutes:{user}`; `expires` compares as text); each enters the reminder queue
/// unless in it.
pub static COUNT_MESSAGE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        for _, user in ipairs(redis.call('HKEYS', KEYS[1])) do
            local muted = false
            local mute = redis.call('HGET', ARGV[5] .. ':chmutes:' .. user, ARGV[3])
            if mute then
                local expires = cjson.decode(mute).expires
                muted = type(expires) ~= 'string' or expires > ARGV[4]
            end
            if user ~= ARGV[1] and not muted then
                redis.call('HINCRBY', KEYS[2], user, 1)
                redis.call('ZADD', KEYS[3], 'NX', ARGV[2], user)
            end
        end
        return 0",
    )
});

/// KEYS: members:{cid}, reads:{cid}, unread:{cid}. ARGV: mark JSON. Every member has read
/// everything (a truncate).
pub static RESET_READS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        for _, user in ipairs(redis.call('HKEYS', KEYS[1])) do
            redis.call('HSET', KEYS[2], user, ARGV[1])
            redis.call('HSET', KEYS[3], user, 0)
        end
        return 0",
    )
});

/// KEYS: members:{cid}, reads:{cid}, unread:{cid}. Returns {user, mark JSON or false, unread or
/// false} for every member.
pub static CHANNEL_READS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local out = {}
        for _, user in ipairs(redis.call('HKEYS', KEYS[1])) do
            table.insert(out, {user, redis.call('HGET', KEYS[2], user), redis.call('HGET', KEYS[3], user)})
        end
        return out",
    )
});

/// KEYS: memberships:{user}. ARGV: user, prefix. Returns {cid, mark JSON or false, unread or
/// false} for every channel the user is a member of.
pub static USER_READS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local out = {}
        for _, cid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
            local mark = redis.call('HGET', ARGV[2] .. ':reads:' .. cid, ARGV[1])
            local unread = redis.call('HGET', ARGV[2] .. ':unread:' .. cid, ARGV[1])
            table.insert(out, {cid, mark, unread})
        end
        return out",
    )
});

/// ARGV: prefix, user ids… Returns {unread messages, channels with unread} per user, summed
/// over the channels each is a member of.
pub static UNREAD_TOTALS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local out = {}
        for i = 2, #ARGV do
            local total, channels = 0, 0
            for _, cid in ipairs(redis.call('SMEMBERS', ARGV[1] .. ':memberships:' .. ARGV[i])) do
                local n = tonumber(redis.call('HGET', ARGV[1] .. ':unread:' .. cid, ARGV[i]) or '0')
                if n > 0 then
                    total = total + n
                    channels = channels + 1
                end
            end
            table.insert(out, {total, channels})
        end
        return out",
    )
});

/// KEYS: msgord:{cid}, msgs. ARGV: time. Removes the channel's messages created at or before
/// the time (RFC 3339 strings compare in time order); returns how many.
pub static TRUNCATE_MESSAGES: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local n = 0
        for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
            local raw = redis.call('HGET', KEYS[2], id)
            if not raw then
                redis.call('ZREM', KEYS[1], id)
            elseif cjson.decode(raw).created_at <= ARGV[1] then
                redis.call('HDEL', KEYS[2], id)
                redis.call('ZREM', KEYS[1], id)
                n = n + 1
            end
        end
        return n",
    )
});

/// KEYS: hidden:{cid}. ARGV: cid, prefix. Shows the channel to everyone who hid it; returns them.
pub static SHOW_TO_ALL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local users = redis.call('SMEMBERS', KEYS[1])
        for _, user in ipairs(users) do
            redis.call('SREM', ARGV[2] .. ':uhidden:' .. user, ARGV[1])
        end
        redis.call('DEL', KEYS[1])
        return users",
    )
});
