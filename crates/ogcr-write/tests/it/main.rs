//! Integration tests of the write API: the OpenAPI document it publishes, and webhooks over
//! real HTTP (anvil, the indexer, the API and receivers on 127.0.0.1).

mod oauth;
mod openapi;
mod webhooks;
