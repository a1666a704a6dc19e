//! End-to-end tests: the `ogcr` binary run as a user runs it — `ogcr up` on a fresh
//! directory, with the demo — and everything checked through HTTP against what the demo
//! reports it did, on SQLite and on PostgreSQL, across a restart.

mod crash;
mod demo;
mod readme;
mod up;
mod write;
