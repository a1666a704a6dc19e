//! Files written and read back: JSON arrays, CSV with API-field headers, XLSX workbooks.

use calamine::{Data, Reader, Xlsx, open_workbook};
use ogcr_export::{
    AefOptions, Exporter, Format, NoProgress, write::cell_text, write_aef, write_cadt,
};
use serde_json::Value;

use crate::{Tables, scenario};

fn check_csv(path: &std::path::Path, table: &str, rows: &[Value]) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let spec = ogcr_export::spec().table(table).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    let fields: Vec<String> = spec.api_fields().map(str::to_owned).collect();
    assert_eq!(header, fields, "{table}: header");
    let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len(), "{table}: rows");
    for (rec, row) in records.iter().zip(rows) {
        for (i, f) in fields.iter().enumerate() {
            assert_eq!(rec[i], cell_text(&row[f.as_str()]), "{table}.{f}");
        }
    }
}

fn check_xlsx(path: &std::path::Path, tables: &Tables, order: &[String]) {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    assert_eq!(&book.sheet_names(), order, "sheets in insert order");
    for name in order {
        let range = book.worksheet_range(name).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let spec = ogcr_export::spec().table(name).unwrap();
        let header: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
        let fields: Vec<String> = spec.api_fields().map(str::to_owned).collect();
        assert_eq!(header, fields, "{name}: header");
        assert_eq!(rows.len() - 1, tables[name].len(), "{name}: rows");
        for (cells, record) in rows[1..].iter().zip(&tables[name]) {
            for (c, f) in fields.iter().enumerate() {
                let want = &record[f.as_str()];
                let got = cells.get(c).unwrap_or(&Data::Empty);
                match (want, got) {
                    (Value::Null, Data::Empty) => {}
                    (Value::Number(n), Data::Float(x)) => {
                        assert_eq!(n.as_f64(), Some(*x), "{name}.{f}")
                    }
                    (v, Data::String(s)) => assert_eq!(&cell_text(v), s, "{name}.{f}"),
                    (v, other) => panic!("{name}.{f}: {v} written as {other:?}"),
                }
            }
        }
    }
}

pub(crate) async fn check(ex: &Exporter, cadt: &Tables, kenya: &Tables) {
    let order: Vec<String> = Exporter::tables().iter().map(|t| t.name.clone()).collect();
    let dir = tempfile::tempdir().unwrap();

    let json = dir.path().join("json");
    let report = write_cadt(ex, Format::Json, &json, &mut NoProgress)
        .await
        .unwrap();
    let written: Vec<&str> = report.tables.iter().map(|t| t.table.as_str()).collect();
    assert_eq!(
        written,
        order.iter().map(String::as_str).collect::<Vec<_>>()
    );
    for t in &report.tables {
        let back: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&t.path).unwrap()).unwrap();
        assert_eq!(back, cadt[&t.table], "{}: JSON differs", t.table);
        assert_eq!(t.rows as usize, back.len());
    }
    assert_eq!(report.warnings, ex.warnings());

    let csv_dir = dir.path().join("csv");
    let report = write_cadt(ex, Format::Csv, &csv_dir, &mut NoProgress)
        .await
        .unwrap();
    for t in &report.tables {
        assert_eq!(t.path, csv_dir.join(format!("{}.csv", t.table)));
        check_csv(&t.path, &t.table, &cadt[&t.table]);
    }

    let xlsx_dir = dir.path().join("xlsx");
    let report = write_cadt(ex, Format::Xlsx, &xlsx_dir, &mut NoProgress)
        .await
        .unwrap();
    let book = xlsx_dir.join("cadt.xlsx");
    assert!(report.tables.iter().all(|t| t.path == book));
    check_xlsx(&book, cadt, &order);

    // Article 6: CSV per table and one workbook.
    let opts = AefOptions {
        party: "Kenya".into(),
        year: scenario::YEAR,
    };
    let aef_order: Vec<String> = Exporter::aef_tables()
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let aef_csv = dir.path().join("aef-csv");
    let report = write_aef(ex, &opts, Format::Csv, &aef_csv, &mut NoProgress)
        .await
        .unwrap();
    assert_eq!(report.tables.len(), 5);
    for t in &report.tables {
        check_csv(&t.path, &t.table, &kenya[&t.table]);
    }
    let aef_xlsx = dir.path().join("aef-xlsx");
    write_aef(ex, &opts, Format::Xlsx, &aef_xlsx, &mut NoProgress)
        .await
        .unwrap();
    check_xlsx(
        &aef_xlsx.join(format!("aef-KE-{}.xlsx", scenario::YEAR)),
        kenya,
        &aef_order,
    );
}
