//! `ogcr project list` and `ogcr mrv list`: the registry's projects and a project's reports,
//! read from the read API (the chain cannot enumerate them; the indexer has).

use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::{Value, json};

use crate::output::{self, emit};

/// Rows fetched per request.
const PAGE: usize = 100;

/// Up to `limit` rows of the list at `path?query`, following `next_cursor`.
async fn fetch(
    api_url: &str,
    path: &[&str],
    query: &[(&str, String)],
    limit: usize,
) -> Result<Vec<Value>> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .context("building the HTTP client")?;
    let mut base = reqwest::Url::parse(api_url)
        .with_context(|| format!("--api-url {api_url:?} is not a URL"))?;
    base.path_segments_mut()
        .map_err(|()| anyhow!("--api-url {api_url:?} cannot have a path"))?
        .pop_if_empty()
        .extend(path);
    let mut rows = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = (limit - rows.len()).min(PAGE);
        let mut q: Vec<(&str, String)> = query.to_vec();
        q.push(("limit", page.to_string()));
        q.push(("cursor", cursor.clone()));
        let url = reqwest::Url::parse_with_params(base.as_str(), &q)
            .expect("a parsed URL with parameters");
        let resp = client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .with_context(|| {
                format!("the read API at {api_url} does not answer (is `ogcr up` or `ogcr serve` running? --api-url / OGCR_API_URL)")
            })?;
        let status = resp.status();
        let text = resp.text().await.context("reading the API's answer")?;
        let body: Value = serde_json::from_str(&text)
            .map_err(|_| anyhow!("{base} answered {status} with something that is not JSON"))?;
        if !status.is_success() {
            let msg = body["error"]["message"].as_str().unwrap_or("no message");
            let detail = body["error"]["details"][0]["message"].as_str();
            match detail {
                Some(d) => bail!("{msg}: {d}"),
                None => bail!("{msg}"),
            }
        }
        rows.extend(body["data"].as_array().cloned().unwrap_or_default());
        match body["pagination"]["next_cursor"].as_str() {
            Some(next) if rows.len() < limit && body["pagination"]["has_more"] == true => {
                cursor = next.to_owned();
            }
            _ => return Ok(rows),
        }
    }
}

/// Direction, size and source of a list.
#[derive(Debug, clap::Args)]
pub(crate) struct Paging {
    /// Newest (largest) first.
    #[arg(long)]
    desc: bool,
    /// Rows at most.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Where the read API is served.
    #[arg(long, env = "OGCR_API_URL", default_value = "http://127.0.0.1:8080")]
    api_url: String,
}

impl Paging {
    /// `query` with the order's direction, after checking the limit.
    fn query(&self, mut query: Vec<(&'static str, String)>) -> Result<Vec<(&'static str, String)>> {
        if self.limit == 0 {
            bail!("--limit 0: give how many rows to list, 1 or more");
        }
        if self.desc {
            query.push(("order", "desc".to_owned()));
        }
        Ok(query)
    }
}

/// The filters and order of `ogcr project list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ProjectListArgs {
    /// Statuses, comma-separated: draft, submitted, under_review, approved, rejected, archived.
    #[arg(long)]
    status: Option<String>,
    /// OGCR project types, comma-separated (reforestation, biochar, …).
    #[arg(long = "type")]
    project_type: Option<String>,
    /// ISO 3166-1 alpha-2 countries of the boundary, comma-separated (BR,KE).
    #[arg(long)]
    country: Option<String>,
    /// Search words (id, name, actor id, methodology, developer, external id).
    #[arg(long)]
    search: Option<String>,
    /// Order by: project_id, created_at, updated_at, name, status.
    #[arg(long)]
    sort: Option<String>,
    #[command(flatten)]
    page: Paging,
}

/// The filters of `ogcr mrv list`.
#[derive(Debug, clap::Args)]
pub(crate) struct MrvListArgs {
    /// The project id.
    project_id: String,
    /// Statuses, comma-separated: pending, verified, rejected.
    #[arg(long)]
    status: Option<String>,
    /// Order by: created_at, period_start, status.
    #[arg(long)]
    sort: Option<String>,
    #[command(flatten)]
    page: Paging,
}

fn query(pairs: &[(&'static str, &Option<String>)]) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v.clone())))
        .collect()
}

pub(crate) async fn projects(a: &ProjectListArgs) -> Result<()> {
    let q = a.page.query(query(&[
        ("status", &a.status),
        ("project_type", &a.project_type),
        ("country", &a.country),
        ("q", &a.search),
        ("sort", &a.sort),
    ]))?;
    let rows = fetch(&a.page.api_url, &["projects"], &q, a.page.limit).await?;
    if output::json() {
        return emit(&Value::Array(rows));
    }
    let table: Vec<Value> = rows
        .iter()
        .map(|f| {
            let p = &f["properties"];
            json!({
                "project_id": f["id"],
                "status": p["status"],
                "type": p["project_type"],
                "name": p["name"],
                "updated": p["last_updated"],
            })
        })
        .collect();
    emit(&Value::Array(table))
}

pub(crate) async fn reports(a: &MrvListArgs) -> Result<()> {
    let q = a
        .page
        .query(query(&[("status", &a.status), ("sort", &a.sort)]))?;
    let path = ["projects", a.project_id.as_str(), "monitoring"];
    let rows = fetch(&a.page.api_url, &path, &q, a.page.limit).await?;
    if output::json() {
        return emit(&Value::Array(rows));
    }
    let table: Vec<Value> = rows
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let mrv_id = f["links"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|l| l["rel"] == "self")
                .and_then(|l| l["href"].as_str())
                .and_then(|h| h.rsplit('/').next())
                .map_or(Value::Null, |id| Value::String(id.to_owned()));
            json!({
                "mrv_id": mrv_id,
                "id": f["id"],
                "status": p["verification_status"],
                "period": format!("{}..{}", p["start_date"].as_str().unwrap_or("?"), p["end_date"].as_str().unwrap_or("?")),
                "verified": p["verification_date"],
            })
        })
        .collect();
    emit(&Value::Array(table))
}
