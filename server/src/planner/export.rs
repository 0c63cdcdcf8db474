//! The export files of an area query: GeoJSON as the features were read, or CSV (RFC 4180, written
//! by the `csv` crate) with every text cell defused for spreadsheets.

/// The two kinds of export file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    Csv,
}

impl Format {
    /// From the `format` query parameter (`geojson` when there is none).
    pub fn parse(s: Option<&str>) -> Option<Format> {
        match s.unwrap_or("geojson") {
            "geojson" => Some(Format::GeoJson),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::GeoJson => "application/geo+json",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The file's text.
    pub fn write(self, rows: &[ExportRow]) -> Result<String, csv::Error> {
        match self {
            Format::GeoJson => Ok(geojson(rows)),
            Format::Csv => csv(rows),
        }
    }
}

/// One exported feature: its GeoJSON text and its CSV cells (in [`CSV_HEADER`] order).
pub type ExportRow = (String, [Option<String>; 8]);

/// The columns of the CSV export, in order.
pub const CSV_HEADER: [&str; 8] = [
    "layer", "id", "name_vi", "name_en", "kind", "lon", "lat", "wkt",
];
/// Columns the server writes as numbers: they never pass through [`spreadsheet_safe`].
const NUMBER_COLUMNS: [usize; 2] = [5, 6];

/// The rows as CSV with CRLF line ends (what spreadsheets expect), header first.
pub fn csv(rows: &[ExportRow]) -> Result<String, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(CSV_HEADER)?;
    for (_, fields) in rows {
        out.write_record(fields.iter().enumerate().map(|(i, f)| {
            let f = f.as_deref().unwrap_or("");
            if NUMBER_COLUMNS.contains(&i) {
                f.to_string()
            } else {
                spreadsheet_safe(f).into_owned()
            }
        }))?;
    }
    let bytes = out.into_inner().map_err(csv::IntoInnerError::into_error)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The rows' features (already GeoJSON text) as one FeatureCollection.
pub fn geojson(rows: &[ExportRow]) -> String {
    let features: Vec<&str> = rows.iter().map(|(f, _)| f.as_str()).collect();
    format!(
        "{{\"type\":\"FeatureCollection\",\"numberReturned\":{},\"features\":[{}]}}",
        features.len(),
        features.join(",")
    )
}

/// A text cell a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+`, `-`, `@`, or a leading
/// tab or carriage return) gets a leading `'`, so it is shown as the text it is (OWASP's advice on
/// CSV injection). Numbers are written by the server and never pass through here.
pub fn spreadsheet_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_a_spreadsheet_would_run_is_defused() {
        for f in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert!(spreadsheet_safe(f).starts_with('\''), "{f}");
        }
        assert_eq!(spreadsheet_safe("Nhà thờ Đức Bà"), "Nhà thờ Đức Bà");
        assert_eq!(spreadsheet_safe("a=b"), "a=b");
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_keeps_numbers() {
        let row = |name: &str, lon: &str| {
            let f = [
                Some("places"),
                Some("p-1"),
                Some(name),
                None,
                Some("museum"),
                Some(lon),
                Some("10.7"),
                None,
            ];
            (String::new(), f.map(|c| c.map(str::to_string)))
        };
        let text = csv(&[row("a, b", "-106.5"), row("say \"hi\"", "106.7")]).expect("csv");
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "layer,id,name_vi,name_en,kind,lon,lat,wkt");
        assert_eq!(lines[1], "places,p-1,\"a, b\",,museum,-106.5,10.7,");
        assert_eq!(
            lines[2],
            "places,p-1,\"say \"\"hi\"\"\",,museum,106.7,10.7,"
        );
        assert_eq!(lines[3], "");
    }
}
