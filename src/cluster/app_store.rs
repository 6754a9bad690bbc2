//! The Redis share of [`AppStore`]: app settings (webhooks) and user blocks.
//!
//! Keys: `p:app` hash, field `settings` → settings JSON (optimistic compare-and-set like every
//! record); `p:blocks:{user}` hash blocked user → block JSON.

use super::store::{decode, encode, RedisStore};
use async_trait::async_trait;
use herald_actors::store::{AppSettingsUpdate, AppStore, StoreResult};
use herald_proto::app::{AppSettings, BlockRecord};
use redis::AsyncCommands;

const SETTINGS_FIELD: &str = "settings";

#[async_trait]
impl AppStore for RedisStore {
    async fn app_settings(&self) -> StoreResult<Option<AppSettings>> {
        self.hget(&self.key("app", ""), SETTINGS_FIELD).await
    }

    async fn update_app_settings(&self, f: AppSettingsUpdate<'_>) -> StoreResult<AppSettings> {
        let update = |current: Option<&AppSettings>| {
            let current = current.cloned().unwrap_or_default();
            Some(f(&current).unwrap_or(current))
        };
        Ok(self.update_field(&self.key("app", ""), SETTINGS_FIELD, &update).await?.unwrap_or_default())
    }

    async fn seed_app_settings(&self, settings: &AppSettings) -> StoreResult<()> {
        let (hash, encoded) = (self.key("app", ""), encode(settings)?);
        let _: bool = self.run(|mut c| async move { c.hset_nx(hash, SETTINGS_FIELD, encoded).await }).await?;
        Ok(())
    }

    async fn block_user(&self, block: BlockRecord) -> StoreResult<(BlockRecord, bool)> {
        let hash = self.key("blocks", &block.user_id);
        let (field, encoded) = (block.blocked_user_id.clone(), encode(&block)?);
        let (h, f) = (hash.clone(), field.clone());
        let added: bool = self.run(|mut c| async move { c.hset_nx(h, f, encoded).await }).await?;
        if added {
            return Ok((block, true));
        }
        let existing: Option<BlockRecord> = self.hget(&hash, &field).await?;
        Ok((existing.unwrap_or(block), false))
    }

    async fn unblock_user(&self, user_id: &str, blocked_user_id: &str) -> StoreResult<bool> {
        let hash = self.key("blocks", user_id);
        let removed: i64 = self.run(|mut c| async move { c.hdel(hash, blocked_user_id).await }).await?;
        Ok(removed > 0)
    }

    async fn blocked_users(&self, user_id: &str) -> StoreResult<Vec<BlockRecord>> {
        let hash = self.key("blocks", user_id);
        let raw: Vec<String> = self.run(|mut c| async move { c.hvals(hash).await }).await?;
        let mut blocks = raw.iter().map(|r| decode::<BlockRecord>(r)).collect::<StoreResult<Vec<_>>>()?;
        blocks.sort_by(|a, b| (&a.created_at, &a.blocked_user_id).cmp(&(&b.created_at, &b.blocked_user_id)));
        Ok(blocks)
    }
}
