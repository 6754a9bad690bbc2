//! Channel types: list, get, create, update, delete (`/channeltypes`). Changing types is
//! server-side only; reading them is open to every authenticated caller.

use super::{Caller, Chat, ChatError, ChatResult};
use crate::clock;
use herald_proto::channel::{valid_type_name, ChannelTypeConfig};
use herald_proto::JsonMap;

impl Chat {
    pub async fn list_channel_types(&self) -> ChatResult<Vec<ChannelTypeConfig>> {
        Ok(self.store().list_channel_types().await?)
    }

    pub async fn channel_type(&self, name: &str) -> ChatResult<ChannelTypeConfig> {
        self.store().get_channel_type(name).await?.ok_or_else(|| ChatError::not_found(format!("channel type {name:?} does not exist")))
    }

    pub async fn create_channel_type(&self, caller: &Caller, body: &JsonMap) -> ChatResult<ChannelTypeConfig> {
        if !caller.is_server() {
            return Err(ChatError::server_only("creating channel types"));
        }
        let name = body.get("name").and_then(|v| v.as_str()).ok_or_else(|| ChatError::input("name is a required field"))?;
        if !valid_type_name(name) {
            return Err(ChatError::input(format!("channel type name {name:?} must match ^[\\w-]+$ (at most 64 characters)")));
        }
        if self.store().get_channel_type(name).await?.is_some() {
            return Err(ChatError::input(format!("channel type {name:?} already exists")));
        }
        let mut config = ChannelTypeConfig::named(name, &clock::now());
        config.apply(body).map_err(ChatError::input)?;
        self.store().put_channel_type(config.clone()).await?;
        Ok(config)
    }

    pub async fn update_channel_type(&self, caller: &Caller, name: &str, body: &JsonMap) -> ChatResult<ChannelTypeConfig> {
        if !caller.is_server() {
            return Err(ChatError::server_only("updating channel types"));
        }
        let mut config = self.channel_type(name).await?;
        config.apply(body).map_err(ChatError::input)?;
        config.updated_at = clock::now();
        self.store().put_channel_type(config.clone()).await?;
        Ok(config)
    }

    pub async fn delete_channel_type(&self, caller: &Caller, name: &str) -> ChatResult<()> {
        if !caller.is_server() {
            return Err(ChatError::server_only("deleting channel types"));
        }
        self.channel_type(name).await?;
        if self.store().type_in_use(name).await? {
            return Err(ChatError::input(format!("channel type {name:?} still has channels; delete them first")));
        }
        self.store().delete_channel_type(name).await?;
        Ok(())
    }
}
