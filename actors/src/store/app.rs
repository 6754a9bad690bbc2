//! Storage of app-wide settings (webhooks) and of user blocks: a supertrait of [`super::Store`],
//! implemented for the memory store here and for Redis in the server crate
//! (`cluster/app_store.rs`).

use super::{MemoryStore, StoreResult};
use async_trait::async_trait;
use herald_proto::app::{AppSettings, BlockRecord};

/// An update of the app settings: given the current ones, the new ones (None = leave as is).
pub type AppSettingsUpdate<'a> = &'a (dyn Fn(&AppSettings) -> Option<AppSettings> + Send + Sync);

#[async_trait]
pub trait AppStore: Send + Sync {
    /// The stored settings; None when never written.
    async fn app_settings(&self) -> StoreResult<Option<AppSettings>>;
    /// Atomically replaces the settings with `f(current or default)`; returns them afterwards.
    async fn update_app_settings(&self, f: AppSettingsUpdate<'_>) -> StoreResult<AppSettings>;
    /// Writes `settings` unless settings were ever written (seeding from the config file).
    async fn seed_app_settings(&self, settings: &AppSettings) -> StoreResult<()>;

    /// Records that `block.user_id` blocks `block.blocked_user_id`; returns the stored record and
    /// whether it is new.
    async fn block_user(&self, block: BlockRecord) -> StoreResult<(BlockRecord, bool)>;
    /// Forgets a block; true when there was one.
    async fn unblock_user(&self, user_id: &str, blocked_user_id: &str) -> StoreResult<bool>;
    /// Users `user_id` blocks, oldest first.
    async fn blocked_users(&self, user_id: &str) -> StoreResult<Vec<BlockRecord>>;
}

/// The memory store's share: kept apart from its main state.
#[derive(Default)]
pub(super) struct AppState {
    settings: Option<AppSettings>,
    /// user → blocks, oldest first
    blocks: std::collections::HashMap<String, Vec<BlockRecord>>,
}

impl MemoryStore {
    fn app(&self) -> std::sync::MutexGuard<'_, AppState> {
        self.app.lock().expect("app store lock poisoned")
    }
}

#[async_trait]
impl AppStore for MemoryStore {
    async fn app_settings(&self) -> StoreResult<Option<AppSettings>> {
        Ok(self.app().settings.clone())
    }

    async fn update_app_settings(&self, f: AppSettingsUpdate<'_>) -> StoreResult<AppSettings> {
        let mut app = self.app();
        let current = app.settings.clone().unwrap_or_default();
        let new = f(&current).unwrap_or(current);
        app.settings = Some(new.clone());
        Ok(new)
    }

    async fn seed_app_settings(&self, settings: &AppSettings) -> StoreResult<()> {
        self.app().settings.get_or_insert_with(|| settings.clone());
        Ok(())
    }

    async fn block_user(&self, block: BlockRecord) -> StoreResult<(BlockRecord, bool)> {
        let mut app = self.app();
        let list = app.blocks.entry(block.user_id.clone()).or_default();
        if let Some(existing) = list.iter().find(|b| b.blocked_user_id == block.blocked_user_id) {
            return Ok((existing.clone(), false));
        }
        list.push(block.clone());
        Ok((block, true))
    }

    async fn unblock_user(&self, user_id: &str, blocked_user_id: &str) -> StoreResult<bool> {
        let mut app = self.app();
        let Some(list) = app.blocks.get_mut(user_id) else { return Ok(false) };
        let before = list.len();
        list.retain(|b| b.blocked_user_id != blocked_user_id);
        Ok(list.len() != before)
    }

    async fn blocked_users(&self, user_id: &str) -> StoreResult<Vec<BlockRecord>> {
        Ok(self.app().blocks.get(user_id).cloned().unwrap_or_default())
    }
}
