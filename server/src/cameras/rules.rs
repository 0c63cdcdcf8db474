//! What makes a camera valid, apart from HTTP and SQL: the fields an admin may send, their limits,
//! the kinds, the recorder rule, the stream URL's form, and how a stream URL is masked wherever it
//! is shown (logs, the admin API).

use serde_json::{Map, Value};
use url::Url;

use super::store::Stored;
use super::CameraError;
use crate::geometry::point_of;

/// The kinds of camera: fixed and long-range cameras hang off a recorder; a patrol vehicle's does not.
pub const KINDS: &[&str] = &["fixed", "long_range", "vehicle"];

/// A camera as the API takes it: every field already checked.
pub struct CameraInput {
    pub name_vi: String,
    pub name_en: String,
    pub kind: String,
    pub position: [f64; 2],
    pub recorder: Option<String>,
    pub stream_url: String,
}

pub const FIELDS: &[&str] = &[
    "name",
    "name_vi",
    "name_en",
    "kind",
    "geometry",
    "recorder",
    "stream_url",
];

fn text(v: &Value, field: &str, max: usize) -> Result<String, CameraError> {
    let s = v
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            CameraError::invalid(field, format!("{field} must be a non-empty string"))
        })?;
    if s.chars().count() > max {
        return Err(CameraError::invalid(
            field,
            format!("{field} must have at most {max} characters"),
        ));
    }
    Ok(s.to_string())
}

/// Checks a stream URL: `rtsp://` or `rtsps://` with a host; the message never echoes the URL
/// (it may hold a password).
pub fn check_stream_url(raw: &str) -> Result<(), CameraError> {
    let url = url::Url::parse(raw).map_err(|e| {
        CameraError::invalid("stream_url", format!("stream_url is not a valid URL ({e})"))
    })?;
    if !matches!(url.scheme(), "rtsp" | "rtsps") {
        return Err(CameraError::invalid(
            "stream_url",
            format!(
                "stream_url must be an rtsp:// or rtsps:// URL, not {}://",
                url.scheme()
            ),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(CameraError::invalid("stream_url", "stream_url has no host"));
    }
    Ok(())
}

/// Builds the input from a JSON object (a full body, or the current camera merged with a patch).
pub fn input(body: &Map<String, Value>) -> Result<CameraInput, CameraError> {
    known_fields(body)?;
    let get = |f: &str| body.get(f).unwrap_or(&Value::Null);
    let name = (!get("name").is_null())
        .then(|| text(get("name"), "name", 200))
        .transpose()?;
    let name_vi = match get("name_vi") {
        Value::Null => name.clone(),
        v => Some(text(v, "name_vi", 200)?),
    };
    let name_en = match get("name_en") {
        Value::Null => name.clone().or_else(|| name_vi.clone()),
        v => Some(text(v, "name_en", 200)?),
    };
    let name_vi = name_vi
        .or_else(|| name_en.clone())
        .ok_or_else(|| CameraError::invalid("name", "name is required"))?;
    let name_en = name_en.unwrap_or_else(|| name_vi.clone());
    let kind = text(get("kind"), "kind", 20)?.replace('-', "_");
    if !KINDS.contains(&kind.as_str()) {
        return Err(CameraError::invalid(
            "kind",
            "kind must be fixed, long_range or vehicle",
        ));
    }
    let position = point_of(get("geometry"))?;
    let recorder = match get("recorder") {
        Value::Null => None,
        v => Some(text(v, "recorder", 40)?),
    };
    if (kind == "vehicle") != recorder.is_none() {
        return Err(CameraError::invalid(
            "recorder",
            "fixed and long-range cameras need a recorder; vehicle cameras have none",
        ));
    }
    let stream_url = text(get("stream_url"), "stream_url", 2000)?;
    check_stream_url(&stream_url)?;
    Ok(CameraInput {
        name_vi,
        name_en,
        kind,
        position,
        recorder,
        stream_url,
    })
}

/// Refuses a body with a field the API does not know, naming it.
pub fn known_fields(body: &Map<String, Value>) -> Result<(), CameraError> {
    match body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        Some(k) => Err(CameraError::invalid(
            k.as_str(),
            format!("unknown field {k:?}; fields are {}", FIELDS.join(", ")),
        )),
        None => Ok(()),
    }
}

/// The stored camera with a merge-patch applied, as a body for [`input`]: a plain `name` renames
/// both languages, and the masked URL an admin read back means "unchanged", not a password of `***`.
pub fn merge_patch(current: Stored, patch: &Map<String, Value>) -> Map<String, Value> {
    let masked = mask_url(&current.stream_url);
    let mut merged = Map::new();
    merged.insert("name_vi".into(), current.name_vi.into());
    merged.insert("name_en".into(), current.name_en.into());
    merged.insert("kind".into(), current.kind.into());
    merged.insert(
        "recorder".into(),
        current
            .recorder_id
            .map(Value::String)
            .unwrap_or(Value::Null),
    );
    merged.insert("stream_url".into(), current.stream_url.into());
    merged.insert("geometry".into(), current.geometry);
    if let Some(name) = patch.get("name") {
        merged.insert("name_vi".into(), name.clone());
        merged.insert("name_en".into(), name.clone());
    }
    for (k, v) in patch.iter().filter(|(k, _)| k.as_str() != "name") {
        if k == "stream_url" && v.as_str() == Some(masked.as_str()) {
            continue;
        }
        merged.insert(k.clone(), v.clone());
    }
    merged
}

/// Checks a nearest-cameras question: a point in range and 1 to 20 cameras (3 when not given).
pub fn nearest_query(
    lon: f64,
    lat: f64,
    n: Option<usize>,
) -> Result<([f64; 2], usize), CameraError> {
    if !(-180.0..=180.0).contains(&lon) {
        return Err(CameraError::invalid("lon", "lon must be -180 to 180"));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(CameraError::invalid("lat", "lat must be -90 to 90"));
    }
    let n = n.unwrap_or(3);
    if !(1..=20).contains(&n) {
        return Err(CameraError::invalid("n", "n must be 1 to 20"));
    }
    Ok(([lon, lat], n))
}

/// The URL as it may appear in a log line or to an admin: the password replaced by `***`, and so is
/// every value whose key looks like a credential, wherever the camera's vendor put it: in the query
/// (`?user=…&password=…`), in the path (`/user=admin&password=…&channel=1`), or joined by `_`
/// (`/user=admin_password=…_channel=1`).
pub fn mask_url(raw: &str) -> String {
    let Ok(mut url) = Url::parse(raw) else {
        return "(invalid URL)".to_string();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    mask_key_values(url.as_str())
}

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "pwd", "token", "auth", "key", "secret"]
        .iter()
        .any(|s| key.contains(s))
}

/// Replaces the value after every `key=` whose key looks like a credential with `***`.
fn mask_key_values(s: &str) -> String {
    let is_key_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(eq) = rest.find('=') {
        let (before, after) = (&rest[..eq], &rest[eq + 1..]);
        out.push_str(before);
        out.push('=');
        let key_start = before.rfind(|c: char| !is_key_char(c)).map_or(0, |p| p + 1);
        if !is_secret_key(&before[key_start..]) {
            rest = after;
            continue;
        }
        // the value runs to the next separator, or to a `_word=` that starts the next pair
        let mut end = after.len();
        for (i, c) in after.char_indices() {
            if "&;/?#".contains(c) {
                end = i;
                break;
            }
            if c == '_' {
                let tail = &after[i + 1..];
                let word = tail
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(tail.len());
                if word > 0 && tail[word..].starts_with('=') {
                    end = i;
                    break;
                }
            }
        }
        out.push_str("***");
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Refusal;

    #[test]
    fn stream_urls_are_masked_wherever_the_vendor_put_the_secret() {
        assert_eq!(
            mask_url("rtsp://admin:p%40ss@10.0.0.5:554/Streaming/Channels/101"),
            "rtsp://admin:***@10.0.0.5:554/Streaming/Channels/101"
        );
        assert_eq!(
            mask_url("rtsp://10.0.0.6/live?channel=1&password=hunter2"),
            "rtsp://10.0.0.6/live?channel=1&password=***"
        );
        // vendors that put the credentials in the path
        assert_eq!(
            mask_url("rtsp://h/user=admin&password=S3cr3t&channel=1"),
            "rtsp://h/user=admin&password=***&channel=1"
        );
        assert_eq!(
            mask_url("rtsp://10.0.0.7:554/user=admin_password=tlJw_po6_channel=1_stream=0.sdp"),
            "rtsp://10.0.0.7:554/user=admin_password=***_channel=1_stream=0.sdp"
        );
        assert_eq!(
            mask_url("rtsp://h/cam;PWD=abc;chan=2?x=1&AuthToken=zzz"),
            "rtsp://h/cam;PWD=***;chan=2?x=1&AuthToken=***"
        );
        assert!(!mask_url("rtsp://h/a?password=p%40ss%26more").contains("p%40ss"));
    }

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("an object")
    }

    #[test]
    fn a_camera_needs_a_recorder_unless_it_rides_a_vehicle() {
        let fixed = serde_json::json!({"name": "Rex", "kind": "fixed", "recorder": "nvr-001",
            "geometry": {"type": "Point", "coordinates": [106.7, 10.776]},
            "stream_url": "rtsp://10.0.0.5/1"});
        let c = input(&body(fixed.clone())).expect("valid");
        assert_eq!((c.name_vi.as_str(), c.name_en.as_str()), ("Rex", "Rex"));
        let mut no_recorder = fixed.clone();
        no_recorder["recorder"] = Value::Null;
        assert_eq!(
            input(&body(no_recorder))
                .err()
                .and_then(|e| e.field().map(str::to_string)),
            Some("recorder".into())
        );
        let mut vehicle = fixed.clone();
        vehicle["kind"] = "vehicle".into();
        assert_eq!(
            input(&body(vehicle))
                .err()
                .and_then(|e| e.field().map(str::to_string)),
            Some("recorder".into())
        );
        let mut long_range = fixed;
        long_range["kind"] = "long-range".into();
        assert_eq!(
            input(&body(long_range)).expect("dash form").kind,
            "long_range"
        );
    }

    #[test]
    fn refusals_name_their_field() {
        for (field, v) in [
            ("colour", serde_json::json!({"colour": "red"})),
            ("name", serde_json::json!({"kind": "fixed"})),
            ("kind", serde_json::json!({"name": "x", "kind": "drone"})),
            (
                "stream_url",
                serde_json::json!({"name": "x", "kind": "vehicle",
                "geometry": {"type": "Point", "coordinates": [106.7, 10.77]},
                "stream_url": "http://10.0.0.5/"}),
            ),
        ] {
            assert_eq!(
                input(&body(v))
                    .err()
                    .and_then(|e| e.field().map(str::to_string))
                    .as_deref(),
                Some(field)
            );
        }
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name_and_the_masked_url_means_unchanged() {
        let stored = || Stored {
            name_vi: "Nhà thờ".into(),
            name_en: "Cathedral".into(),
            kind: "long_range".into(),
            recorder_id: Some("nvr-001".into()),
            stream_url: "rtsp://admin:secret@10.0.0.5/1".into(),
            geometry: serde_json::json!({"type": "Point", "coordinates": [106.699, 10.7798]}),
        };
        let patch = body(serde_json::json!({"stream_url": "rtsp://admin:***@10.0.0.5/1"}));
        let merged = merge_patch(stored(), &patch);
        assert_eq!(merged["stream_url"], "rtsp://admin:secret@10.0.0.5/1");
        assert_eq!(merged["name_en"], "Cathedral");
        let merged = merge_patch(
            stored(),
            &body(serde_json::json!({"name": "Đức Bà", "recorder": null})),
        );
        assert_eq!(
            (merged["name_vi"].as_str(), merged["name_en"].as_str()),
            (Some("Đức Bà"), Some("Đức Bà"))
        );
        assert!(merged["recorder"].is_null());
    }
}
