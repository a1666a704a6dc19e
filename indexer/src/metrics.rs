//! Prometheus metrics: the recorder (installed once per process) and a `/metrics` endpoint.
//!
//! Exported series: `ogcr_indexer_head_block`, `ogcr_indexer_checkpoint_block`,
//! `ogcr_indexer_blocks_behind`, `ogcr_indexer_events_total`,
//! `ogcr_indexer_last_event_block_timestamp`, `ogcr_indexer_rpc_errors_total{kind}`,
//! `ogcr_indexer_reorgs_total`, `ogcr_indexer_rolled_back_blocks_total`,
//! `ogcr_indexer_commit_seconds`, `ogcr_indexer_documents_checked_total{status}`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::{Error, Result};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder, installed on first use.
pub fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (e.g. by an embedding program); the
            // handle then renders nothing, which is the honest answer.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Serves `GET /metrics` on `addr` until the process ends; returns the bound address.
pub async fn serve(addr: &str) -> Result<std::net::SocketAddr> {
    let handle = handle();
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let h = handle.clone();
            async move { h.render() }
        }),
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Metrics {
            addr: addr.to_owned(),
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| Error::Metrics {
        addr: addr.to_owned(),
        source,
    })?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(target: "ogcr::indexer::metrics", error = %e, "metrics endpoint stopped");
        }
    });
    Ok(bound)
}
