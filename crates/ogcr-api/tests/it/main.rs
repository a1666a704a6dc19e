//! Router tests without a socket: the HTTP behaviour every route shares.

mod http;
