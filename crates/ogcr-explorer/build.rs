//! Copies the explorer's browser assets out of the npm packages pinned in the workspace's
//! package-lock.json (`npm ci` installs them) into OUT_DIR, where `src/assets.rs` embeds them:
//! the binary serves them itself, so pages work offline and no CDN is ever asked.

use std::{
    env, fs,
    path::{Path, PathBuf},
};

/// (file under node_modules, name served under /assets/).
const ASSETS: &[(&str, &str)] = &[
    ("leaflet/dist/leaflet.js", "leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet.css"),
    ("chart.js/dist/chart.umd.min.js", "chart.umd.min.js"),
    (
        "topojson-client/dist/topojson-client.min.js",
        "topojson-client.min.js",
    ),
    ("world-atlas/countries-110m.json", "countries-110m.json"),
    ("leaflet/LICENSE", "LICENSE.leaflet.txt"),
    ("chart.js/LICENSE.md", "LICENSE.chart.js.txt"),
    ("world-atlas/LICENSE", "LICENSE.world-atlas.txt"),
    ("topojson-client/LICENSE", "LICENSE.topojson-client.txt"),
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let node_modules = manifest.join("../../node_modules");
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("assets");
    fs::create_dir_all(&out).expect("creating OUT_DIR/assets");
    for (from, to) in ASSETS {
        let src = node_modules.join(from);
        println!("cargo:rerun-if-changed={}", src.display());
        copy(&src, &out.join(to));
    }
    println!("cargo:rerun-if-changed=build.rs");
}

fn copy(src: &Path, dst: &Path) {
    if let Err(e) = fs::copy(src, dst) {
        panic!(
            "the explorer's browser asset {} is missing ({e}): run `npm ci` in the workspace \
             root — it installs the pinned packages of package-lock.json",
            src.display()
        );
    }
}
