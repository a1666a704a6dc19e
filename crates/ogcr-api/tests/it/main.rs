//! Router tests without a socket (the HTTP behaviour every route shares), and the server
//! over real TCP.

mod http;
mod server;
mod stream;
