//! Searchable facts of verified PDDs: extracted from the document body when it is verified,
//! so the read API can filter projects by type, methodology, actor and area in SQL.

use serde_json::Value;
use sqlx::Row;

use crate::{
    Document, PddFacts, Result, Store, Table, model::doc_status, table::OnConflict,
    write::insert_all,
};

impl Store {
    /// The verified PDD bodies of every project not archived whose area may meet `bbox`
    /// (`[west, south, east, north]`, degrees): its facts' box intersects it, or it has no box.
    /// `None` gives them all. (A PDD's box encloses its geometry — validation checks it — so
    /// no overlapping project is left out.)
    pub async fn pdd_bodies_near(&self, bbox: Option<[f64; 4]>) -> Result<Vec<String>> {
        let mut sql = "SELECT d.body FROM projects p \
             JOIN documents d ON d.hash = p.pdd_hash AND d.status = $1 \
             LEFT JOIN pdd_facts f ON f.hash = p.pdd_hash \
             WHERE p.status <> 'archived' AND d.body IS NOT NULL"
            .to_owned();
        let mut vals: Vec<crate::Val> = vec![doc_status::VERIFIED.into()];
        if let Some([w, s, e, n]) = bbox {
            sql.push_str(
                " AND (f.west_e7 IS NULL OR (f.west_e7 <= $2 AND f.east_e7 >= $3 \
                 AND f.south_e7 <= $4 AND f.north_e7 >= $5))",
            );
            vals.extend([to_e7(e), to_e7(w), to_e7(n), to_e7(s)].map(crate::Val::from));
        }
        sql.push_str(" ORDER BY p.project_key");
        self.rows(sql, vals)
            .await?
            .iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }
}

/// Degrees → integer units of 1e-7 degrees.
pub fn to_e7(deg: f64) -> i64 {
    (deg * 1e7).round() as i64
}

/// The facts of a PDD body (a GeoJSON Feature), or `None` when it is not a PDD with the
/// required properties. The bounding box is the document's `bbox`, else the extent of its
/// geometry's coordinates.
pub fn extract(hash: &str, body: &str) -> Option<PddFacts> {
    let doc: Value = serde_json::from_str(body).ok()?;
    let props = doc.get("properties")?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let methodology = props.get("methodology");
    let bbox = bbox_of(&doc);
    Some(PddFacts {
        hash: hash.to_owned(),
        name: text(props.get("name"))?,
        project_type: text(props.get("project_type"))?,
        methodology_id: text(methodology.and_then(|m| m.get("id"))),
        methodology_version: text(methodology.and_then(|m| m.get("version"))),
        actor_id: text(props.get("actor_id")).unwrap_or_default(),
        creation_date: text(props.get("creation_date")),
        west_e7: bbox.map(|b| to_e7(b[0])),
        south_e7: bbox.map(|b| to_e7(b[1])),
        east_e7: bbox.map(|b| to_e7(b[2])),
        north_e7: bbox.map(|b| to_e7(b[3])),
        country: Some(country_of(&doc).unwrap_or_default()),
    })
}

/// The ISO 3166-1 alpha-2 code of the country a Feature's geometry lies in.
fn country_of(doc: &Value) -> Option<String> {
    let geometry: ogcr_core::Geometry =
        serde_json::from_value(doc.get("geometry")?.clone()).ok()?;
    ogcr_core::country::locate(&geometry).map(|l| l.alpha2)
}

/// `[west, south, east, north]` of a Feature.
fn bbox_of(doc: &Value) -> Option<[f64; 4]> {
    if let Some(b) = doc.get("bbox").and_then(Value::as_array) {
        let v: Vec<f64> = b.iter().filter_map(Value::as_f64).collect();
        if v.len() == 4 {
            return Some([v[0], v[1], v[2], v[3]]);
        }
    }
    let mut acc: Option<[f64; 4]> = None;
    walk(doc.get("geometry")?.get("coordinates")?, &mut acc);
    acc
}

/// Extends `acc` by every `[lon, lat, …]` position nested in `coords`.
fn walk(coords: &Value, acc: &mut Option<[f64; 4]>) {
    let Some(items) = coords.as_array() else {
        return;
    };
    if let (Some(lon), Some(lat)) = (
        items.first().and_then(Value::as_f64),
        items.get(1).and_then(Value::as_f64),
    ) {
        let b = acc.get_or_insert([lon, lat, lon, lat]);
        *b = [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)];
        return;
    }
    for item in items {
        walk(item, acc);
    }
}

/// The rows to write with a document check: its facts when it is a verified PDD.
pub(crate) fn for_document(doc: &Document) -> Option<PddFacts> {
    if doc.kind != "pdd" || doc.status != doc_status::VERIFIED {
        return None;
    }
    extract(&doc.hash, doc.body.as_deref()?)
}

impl Store {
    /// Writes the facts of verified PDDs that have none, or no country yet (databases indexed
    /// before the facts, or their country, existed). Called on connect; a no-op once every
    /// verified PDD has its row with a country (`''` for none).
    pub(crate) async fn backfill_pdd_facts(&self) -> Result<()> {
        let mut conn = self.conn().await?;
        let rows = sqlx::query(
            "SELECT hash, body FROM documents d WHERE kind = 'pdd' AND status = 'verified' \
             AND body IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM pdd_facts f WHERE f.hash = d.hash AND f.country IS NOT NULL)",
        )
        .fetch_all(&mut *conn)
        .await?;
        let facts: Vec<PddFacts> = rows
            .iter()
            .filter_map(|r| {
                let hash: String = r.try_get(0).ok()?;
                let body: String = r.try_get(1).ok()?;
                extract(&hash, &body)
            })
            .collect();
        if facts.is_empty() {
            return Ok(());
        }
        tracing::info!(target: "ogcr::store", rows = facts.len(), table = PddFacts::TABLE, "backfilling");
        let mut tx = self.begin_write(&mut conn).await?;
        insert_all(&mut tx, &facts, OnConflict::Update).await?;
        crate::write::bump_revision(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_come_from_properties_and_geometry() {
        let body = r#"{"type":"Feature","id":"P","geometry":{"type":"Polygon","coordinates":[[[-48.5,-1.5],[-48.2,-1.5],[-48.2,-1.1],[-48.5,-1.5]]]},
            "properties":{"name":"Pará","project_type":"reforestation","actor_id":"dev","methodology":{"id":"VM0047","version":"1.0"}}}"#;
        let f = extract("0xab", body).unwrap();
        assert_eq!(f.project_type, "reforestation");
        assert_eq!(f.methodology_id.as_deref(), Some("VM0047"));
        assert_eq!(f.country.as_deref(), Some("BR"), "Pará is in Brazil");
        let at_sea = body.replace("-48.", "-28.").replace("-1.", "-20.");
        assert_eq!(
            extract("0xab", &at_sea).unwrap().country.as_deref(),
            Some("")
        );
        assert_eq!(
            (f.west_e7, f.south_e7, f.east_e7, f.north_e7),
            (
                Some(-485_000_000),
                Some(-15_000_000),
                Some(-482_000_000),
                Some(-11_000_000)
            )
        );
        let with_bbox = body.replace(
            r#""id":"P","#,
            r#""id":"P","bbox":[-49.0,-2.0,-48.0,-1.0],"#,
        );
        assert_eq!(
            extract("0xab", &with_bbox).unwrap().west_e7,
            Some(-490_000_000)
        );
        assert!(extract("0xab", r#"{"properties":{}}"#).is_none());
        assert!(extract("0xab", "not json").is_none());
    }
}
