//! Integration tests of the write API that need no chain: the OpenAPI document it publishes.

mod openapi;
