//! The retirement certificate: its QR code, its one-page PDF, and the check that re-reads the
//! retirement from the chain.

use alloy::{primitives::B256, providers::Provider};
use ogcr_bindings::CarbonRemovalUnit::CRURetired;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use serde::Serialize;
use serde_json::Value;

use crate::render::reason_name;

/// The QR code of `url` as an SVG element (black modules on white, with a quiet zone).
pub fn qr_svg(url: &str) -> String {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(148, 148)
            .dark_color(qrcode::render::svg::Color("#000000"))
            .light_color(qrcode::render::svg::Color("#ffffff"))
            .quiet_zone(true)
            .build()
            // The renderer writes an XML declaration; inline SVG in HTML takes none.
            .split_once("?>")
            .map_or_else(String::new, |(_, svg)| svg.trim().to_owned()),
        Err(e) => {
            tracing::warn!(target: "ogcr::explorer", url, error = %e, "no QR code for the URL");
            String::new()
        }
    }
}

/// What a certificate states, read from the API's retirement and its `CRURetired` event.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// Retirement id (the retired token's id).
    pub id: String,
    /// Beneficiary of the claim.
    pub beneficiary: String,
    /// Beneficiary identifier.
    pub beneficiary_id: String,
    /// Tonnes CO2e retired.
    pub quantity: i64,
    /// First and last serial, `OGCR-<project>-<vintage>-<first>-<last>`.
    pub serial: String,
    /// First serial.
    pub serial_start: i64,
    /// Last serial (inclusive).
    pub serial_end: i64,
    /// Vintage.
    pub vintage: String,
    /// Project id and name.
    pub project: String,
    /// The reason, named.
    pub reason: String,
    /// Claim detail.
    pub detail: String,
    /// The account whose units were retired.
    pub owner: String,
    /// The account that sent the retirement.
    pub retired_by: String,
    /// Block time, RFC 3339.
    pub time: String,
    /// Transaction hash.
    pub tx: String,
    /// Block number.
    pub block: i64,
    /// Block hash (from the indexed `CRURetired` event).
    pub block_hash: String,
    /// The chain (CAIP-2).
    pub chain: String,
    /// The verification behind the credits: "report N of <project>, verified by X, T t".
    pub verification: String,
    /// The certificate's public URL.
    pub url: String,
}

impl Facts {
    /// The facts of `retirement` (the API's view), its event, project and report.
    pub fn of(
        retirement: &Value,
        event: Option<&Value>,
        project_name: Option<&str>,
        verification: String,
        url: String,
    ) -> Self {
        let s = |p: &str| {
            retirement
                .pointer(p)
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    v => v.to_string(),
                })
                .unwrap_or_default()
        };
        let i = |p: &str| retirement.pointer(p).and_then(Value::as_i64).unwrap_or(0);
        let project_id = s("/project_id");
        let vintage = s("/vintage");
        Facts {
            id: s("/credit_id"),
            beneficiary: s("/beneficiary"),
            beneficiary_id: s("/beneficiary_id"),
            quantity: i("/quantity_tco2e"),
            serial: format!(
                "OGCR-{}-{}-{}-{}",
                project_id.strip_prefix("OGCR-").unwrap_or(&project_id),
                vintage,
                i("/serial_start"),
                i("/serial_end")
            ),
            serial_start: i("/serial_start"),
            serial_end: i("/serial_end"),
            project: match project_name {
                Some(n) if !n.is_empty() => format!("{project_id} — {n}"),
                _ => project_id.clone(),
            },
            vintage,
            reason: reason_name(i("/reason_code")).to_owned(),
            detail: s("/detail"),
            owner: s("/owner"),
            retired_by: s("/retired_by"),
            time: s("/ledger_reference/timestamp"),
            tx: s("/ledger_reference/transaction_id"),
            block: i("/ledger_reference/block_number"),
            block_hash: event
                .and_then(|e| e.get("block_hash"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            chain: s("/ledger_reference/ledger_id"),
            verification,
            url,
        }
    }
}

/// The certificate as a one-page A4 PDF (PDF 1.7, the standard Helvetica faces, text in
/// WinAnsi: characters outside it print as `?`), with the QR code of its URL drawn as vectors.
pub fn pdf(facts: &Facts, registry: &str) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let page_id = Ref::new(3);
    let regular = Ref::new(4);
    let bold = Ref::new(5);
    let contents = Ref::new(6);
    let info = Ref::new(7);
    let (w, h) = (595.0f32, 842.0f32);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, w, h));
    page.parent(tree);
    page.contents(contents);
    let mut resources = page.resources();
    let mut fonts = resources.fonts();
    fonts.pair(Name(b"F1"), regular);
    fonts.pair(Name(b"F2"), bold);
    fonts.finish();
    resources.finish();
    page.finish();
    for (id, face) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(id)
            .base_font(Name(face))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let title = format!("Retirement certificate {}", facts.id);
    pdf.document_info(info)
        .title(TextStr(&title))
        .producer(TextStr("ogcr"));

    let mut c = Content::new();
    let margin = 56.0f32;
    let mut y = h - margin - 10.0;
    let text = |c: &mut Content, font: &[u8], size: f32, x: f32, y: f32, s: &str| {
        c.begin_text();
        c.set_font(Name(font), size);
        c.next_line(x, y);
        c.show(Str(&win_ansi(s)));
        c.end_text();
    };
    text(&mut c, b"F1", 10.0, margin, y, registry);
    y -= 30.0;
    text(&mut c, b"F2", 22.0, margin, y, "Retirement certificate");
    y -= 22.0;
    text(
        &mut c,
        b"F1",
        11.0,
        margin,
        y,
        &format!(
            "{} t CO2e retired on behalf of",
            crate::render::thousands(facts.quantity)
        ),
    );
    y -= 28.0;
    let beneficiary = if facts.beneficiary.is_empty() {
        "(no beneficiary named)"
    } else {
        &facts.beneficiary
    };
    for line in wrap(beneficiary, 38).iter().take(2) {
        text(&mut c, b"F2", 20.0, margin, y, line);
        y -= 24.0;
    }
    y -= 10.0;
    let rows: Vec<(&str, String)> = vec![
        ("Beneficiary id", facts.beneficiary_id.clone()),
        (
            "Quantity",
            format!("{} t CO2e", crate::render::thousands(facts.quantity)),
        ),
        ("Serial numbers", facts.serial.clone()),
        ("Vintage", facts.vintage.clone()),
        ("Project", facts.project.clone()),
        ("Reason", facts.reason.clone()),
        ("Note", facts.detail.clone()),
        ("Verification", facts.verification.clone()),
        ("Retiring account", facts.owner.clone()),
        ("Sent by", facts.retired_by.clone()),
        ("Time", facts.time.clone()),
        ("Chain", facts.chain.clone()),
        ("Transaction", facts.tx.clone()),
        ("Block", facts.block.to_string()),
        ("Block hash", facts.block_hash.clone()),
    ];
    for (label, value) in rows {
        let value = if value.is_empty() {
            "-".to_owned()
        } else {
            value
        };
        let lines = wrap(&value, 68);
        text(&mut c, b"F2", 9.5, margin, y, label);
        for line in lines.iter().take(3) {
            text(&mut c, b"F1", 9.5, margin + 110.0, y, line);
            y -= 13.0;
        }
        y -= 4.0;
    }
    // The QR code of the certificate's URL, bottom left, and the URL beside it.
    let qr_size = 110.0f32;
    if let Ok(code) = qrcode::QrCode::new(facts.url.as_bytes()) {
        let n = code.width();
        let module = qr_size / n as f32;
        let (x0, y0) = (margin, margin + 20.0);
        c.set_fill_gray(0.0);
        for (i, color) in code.to_colors().iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let (col, row) = ((i % n) as f32, (i / n) as f32);
                c.rect(
                    x0 + col * module,
                    y0 + qr_size - (row + 1.0) * module,
                    module,
                    module,
                );
            }
        }
        c.fill_nonzero();
    }
    let tx = margin + qr_size + 16.0;
    text(
        &mut c,
        b"F2",
        9.5,
        tx,
        margin + 100.0,
        "Check this certificate",
    );
    for (k, line) in wrap(&facts.url, 60).iter().take(2).enumerate() {
        text(
            &mut c,
            b"F1",
            9.0,
            tx,
            margin + 86.0 - 12.0 * k as f32,
            line,
        );
    }
    text(
        &mut c,
        b"F1",
        8.5,
        tx,
        margin + 56.0,
        "The page re-reads this retirement from the chain and says whether it matches.",
    );
    pdf.stream(contents, &c.finish());
    pdf.finish()
}

/// `s` in WinAnsiEncoding (Latin-1 plus the printable ASCII); other characters become `?`.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '—' | '–' => b'-',
            '…' => 0x85,
            _ => b'?',
        })
        .collect()
}

/// Lines of at most `width` characters, broken at spaces where there are any.
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let mut word = word.to_owned();
        while word.chars().count() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// One fact compared with the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// What is compared.
    pub fact: &'static str,
    /// What the registry's database (and so the certificate) says.
    pub registry: String,
    /// What the chain says.
    pub chain: String,
    /// Whether they agree.
    pub ok: bool,
}

/// The outcome of re-reading a retirement from the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Every fact agrees, the transaction succeeded and its block is the indexed one.
    pub matches: bool,
    /// Why the check could not be made (no RPC configured, the node unreachable).
    pub unavailable: Option<String>,
    /// The facts compared.
    pub comparisons: Vec<Comparison>,
    /// Blocks on top of the retirement's block at the node.
    pub confirmations: Option<u64>,
    /// The RPC endpoint read (its origin only: no path or credentials).
    pub source: String,
}

impl Check {
    fn unavailable(why: String, source: String) -> Self {
        Check {
            matches: false,
            unavailable: Some(why),
            comparisons: Vec::new(),
            confirmations: None,
            source,
        }
    }
}

/// The origin of an RPC URL (scheme, host, port), so the page never shows a key in its path.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    if scheme.is_empty() {
        host.to_owned()
    } else {
        format!("{scheme}://{host}")
    }
}

/// Re-reads the retirement `facts` from the chain through `rpc_url`: the receipt of its
/// transaction, the `CRURetired` log of token `facts.id` emitted by `cru` in it, and the
/// block it is in; compares every stated fact.
pub async fn check(rpc_url: Option<&str>, cru: &str, facts: &Facts, reason_code: i64) -> Check {
    let Some(rpc_url) = rpc_url else {
        return Check::unavailable(
            "this server has no RPC endpoint configured (ogcr serve --rpc-url), so it cannot \
             re-read the chain; check the transaction on any node of the chain instead"
                .into(),
            String::new(),
        );
    };
    let source = origin(rpc_url);
    match read_chain(rpc_url, cru, facts, reason_code).await {
        Ok(mut c) => {
            c.source = source;
            c
        }
        Err(why) => Check::unavailable(why, source),
    }
}

async fn read_chain(
    rpc_url: &str,
    cru: &str,
    facts: &Facts,
    reason_code: i64,
) -> Result<Check, String> {
    let provider = ogcr_client::registry::connect_provider(rpc_url, None)
        .await
        .map_err(|e| format!("cannot reach the chain: {e}"))?;
    let tx: B256 = facts.tx.parse().map_err(|_| {
        format!(
            "the certificate's transaction hash {:?} is malformed",
            facts.tx
        )
    })?;
    let receipt = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        provider.get_transaction_receipt(tx),
    )
    .await
    .map_err(|_| "the node did not answer within 10 s".to_owned())?
    .map_err(|e| format!("reading the receipt of {}: {e}", facts.tx))?;
    let mut comparisons = Vec::new();
    let mut push = |fact: &'static str, registry: String, chain: String| {
        let ok = registry.eq_ignore_ascii_case(&chain);
        comparisons.push(Comparison {
            fact,
            registry,
            chain,
            ok,
        });
    };
    let Some(receipt) = receipt else {
        push(
            "Transaction",
            facts.tx.clone(),
            "not found on this chain".into(),
        );
        return Ok(Check {
            matches: false,
            unavailable: None,
            comparisons,
            confirmations: None,
            source: String::new(),
        });
    };
    push(
        "Transaction status",
        "success".into(),
        if receipt.status() {
            "success"
        } else {
            "reverted"
        }
        .into(),
    );
    push(
        "Block number",
        facts.block.to_string(),
        receipt
            .block_number
            .map(|b| b.to_string())
            .unwrap_or_default(),
    );
    push(
        "Block hash",
        facts.block_hash.clone(),
        receipt
            .block_hash
            .map(|h| format!("{h:#x}"))
            .unwrap_or_default(),
    );
    let log = receipt
        .inner
        .logs()
        .iter()
        .filter(|l| format!("{:#x}", l.address()).eq_ignore_ascii_case(cru))
        .filter_map(|l| l.log_decode::<CRURetired>().ok())
        .find(|l| l.inner.data.tokenId.to_string() == facts.id);
    match log {
        None => push(
            "CRURetired event",
            format!("token {}", facts.id),
            "no CRURetired of this token by the registry's contract in the transaction".into(),
        ),
        Some(l) => {
            let e = &l.inner.data;
            let last = e.serialStart.saturating_add(e.amount).saturating_sub(1);
            push(
                "Serial numbers",
                format!("{}-{}", facts.serial_start, facts.serial_end),
                format!("{}-{last}", e.serialStart),
            );
            push(
                "Quantity (t)",
                facts.quantity.to_string(),
                e.amount.to_string(),
            );
            push(
                "Beneficiary",
                facts.beneficiary.clone(),
                e.info.beneficiary.clone(),
            );
            push(
                "Beneficiary id",
                facts.beneficiary_id.clone(),
                e.info.beneficiaryId.clone(),
            );
            push(
                "Reason",
                reason_name(reason_code).to_owned(),
                reason_name(i64::from(e.info.reasonCode)).to_owned(),
            );
            push("Note", facts.detail.clone(), e.info.detail.clone());
            push(
                "Retiring account",
                facts.owner.clone(),
                format!("{:#x}", e.owner),
            );
            push(
                "Sent by",
                facts.retired_by.clone(),
                format!("{:#x}", e.actor),
            );
        }
    }
    let confirmations = match (receipt.block_number, provider.get_block_number().await) {
        (Some(b), Ok(head)) => Some(head.saturating_sub(b)),
        _ => None,
    };
    let matches = comparisons.iter().all(|c| c.ok);
    Ok(Check {
        matches,
        unavailable: None,
        comparisons,
        confirmations,
        source: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces_and_split_long_words() {
        assert_eq!(wrap("a bc def", 4), vec!["a bc", "def"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 5), vec![""]);
    }

    #[test]
    fn text_outside_win_ansi_prints_as_a_question_mark() {
        assert_eq!(win_ansi("Zürich"), b"Z\xfcrich".to_vec());
        assert_eq!(win_ansi("東京"), b"??".to_vec());
    }

    #[test]
    fn rpc_urls_show_their_origin_only() {
        assert_eq!(
            origin("https://user:pw@rpc.example/v3/KEY"),
            "https://rpc.example"
        );
        assert_eq!(origin("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
    }
}
