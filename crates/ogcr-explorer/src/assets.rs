//! The browser assets, embedded in the binary: the npm packages' files copied by build.rs,
//! and the explorer's own stylesheet and script.

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

macro_rules! npm {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/assets/", $name)).as_slice()
    };
}

/// (name under /assets/, media type, bytes).
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "explorer.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/explorer.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
    (
        "explorer.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/explorer.js"),
    ),
    (
        "leaflet.js",
        "text/javascript; charset=utf-8",
        npm!("leaflet.js"),
    ),
    (
        "leaflet.css",
        "text/css; charset=utf-8",
        npm!("leaflet.css"),
    ),
    (
        "chart.umd.min.js",
        "text/javascript; charset=utf-8",
        npm!("chart.umd.min.js"),
    ),
    (
        "topojson-client.min.js",
        "text/javascript; charset=utf-8",
        npm!("topojson-client.min.js"),
    ),
    (
        "countries-110m.json",
        "application/json",
        npm!("countries-110m.json"),
    ),
    (
        "LICENSE.leaflet.txt",
        "text/plain; charset=utf-8",
        npm!("LICENSE.leaflet.txt"),
    ),
    (
        "LICENSE.chart.js.txt",
        "text/plain; charset=utf-8",
        npm!("LICENSE.chart.js.txt"),
    ),
    (
        "LICENSE.world-atlas.txt",
        "text/plain; charset=utf-8",
        npm!("LICENSE.world-atlas.txt"),
    ),
    (
        "LICENSE.topojson-client.txt",
        "text/plain; charset=utf-8",
        npm!("LICENSE.topojson-client.txt"),
    ),
];

/// `GET /assets/{file}`. The bytes are fixed for a build, so browsers may keep them a day
/// (the entity tag revalidates them after an upgrade).
pub async fn serve(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, media, bytes)) => (
            [
                (header::CONTENT_TYPE, *media),
                (header::CACHE_CONTROL, "public, max-age=86400"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *bytes,
        )
            .into_response(),
        None => {
            let mut r = (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("no asset {file:?}"),
            )
                .into_response();
            r.extensions_mut().insert(ogcr_api::Rendered);
            r
        }
    }
}
