//! The message lists of the Redis store: a new message appended to its channel's order with the
//! oldest beyond the retention dropped, a hard delete, and a page of a channel's messages — each
//! one Lua script ([`super::scripts`]), so one round trip and atomic across nodes. Message records
//! live in `p:msgs`; their in-place updates (edits, soft deletes, reactions) are the store's
//! compare-and-set. Used by the `Store` implementation in [`super::store`].

use super::scripts;
use super::store::{decode, encode, RedisStore};
use herald_actors::store::StoreResult;
use herald_proto::message::{MessageCursor, MessageRecord};

impl RedisStore {
    /// Appends `message` to its channel unless its id is taken; keeps the newest `keep`.
    pub(super) async fn insert_message_record(&self, message: &MessageRecord, keep: usize) -> StoreResult<bool> {
        let keys = [self.key("msgs", ""), self.key("msgord", &message.cid), self.key("msgseq", &message.cid)];
        let (id, encoded, keep) = (message.id.as_str(), encode(message)?, keep.max(1));
        let written: i64 = self
            .run(|mut c| async move { scripts::INSERT_MESSAGE.key(&keys).arg(id).arg(encoded).arg(keep).invoke_async(&mut c).await })
            .await?;
        Ok(written == 1)
    }

    /// Removes a message and its place in its channel's order; returns it.
    pub(super) async fn delete_message_record(&self, id: &str) -> StoreResult<Option<MessageRecord>> {
        let (hash, prefix) = (self.key("msgs", ""), self.keys.prefix().to_owned());
        let raw: Option<String> =
            self.run(|mut c| async move { scripts::DELETE_MESSAGE.key(hash).arg(id).arg(prefix).invoke_async(&mut c).await }).await?;
        raw.map(|r| decode(&r)).transpose()
    }

    /// Up to `limit` of a channel's messages, oldest first, from `cursor`.
    pub(super) async fn message_page(&self, cid: &str, cursor: MessageCursor<'_>, limit: usize) -> StoreResult<Vec<MessageRecord>> {
        let keys = [self.key("msgord", cid), self.key("msgs", "")];
        let (mode, at) = match cursor {
            MessageCursor::Latest => ("latest", ""),
            MessageCursor::Before(id) => ("before", id),
            MessageCursor::After(id) => ("after", id),
        };
        let raw: Vec<String> = self
            .run(|mut c| async move { scripts::MESSAGE_PAGE.key(&keys).arg(mode).arg(at).arg(limit).invoke_async(&mut c).await })
            .await?;
        raw.iter().map(|r| decode(r)).collect()
    }
}
