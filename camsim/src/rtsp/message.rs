//! Minimal RTSP 1.0 message parsing and formatting.

/// Upper bound for a request head; protects against clients sending garbage forever.
const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn cseq(&self) -> Option<&str> {
        self.header("CSeq")
    }

    /// Session id without parameters such as `;timeout=60`.
    pub fn session(&self) -> Option<&str> {
        self.header("Session")
            .and_then(|s| s.split(';').next())
            .map(str::trim)
    }
}

/// What the start of the input buffer holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Need more bytes.
    Incomplete,
    /// An interleaved binary frame (RTCP from the client) of this total length, to skip.
    Interleaved(usize),
    /// A request and the number of bytes it used (head and body).
    Request(Request, usize),
}

#[derive(Debug, PartialEq, Eq)]
pub struct BadRequest(pub &'static str);

pub fn parse(buf: &[u8]) -> Result<Parsed, BadRequest> {
    if buf.first() == Some(&b'$') {
        if buf.len() < 4 {
            return Ok(Parsed::Incomplete);
        }
        let len = 4 + usize::from(u16::from_be_bytes([buf[2], buf[3]]));
        return Ok(if buf.len() >= len {
            Parsed::Interleaved(len)
        } else {
            Parsed::Incomplete
        });
    }
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if buf.len() > MAX_HEAD {
            Err(BadRequest("request head too long"))
        } else {
            Ok(Parsed::Incomplete)
        };
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| BadRequest("request is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split_whitespace();
    let (Some(method), Some(uri), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(BadRequest("malformed request line"));
    };
    if !version.starts_with("RTSP/") {
        return Err(BadRequest("not an RTSP request"));
    }
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let request = Request {
        method: method.to_ascii_uppercase(),
        uri: uri.to_string(),
        headers,
    };
    let body = request
        .header("Content-Length")
        .map(|v| {
            v.parse::<usize>()
                .map_err(|_| BadRequest("bad Content-Length"))
        })
        .transpose()?
        .unwrap_or(0);
    let total = end + 4 + body;
    Ok(if buf.len() >= total {
        Parsed::Request(request, total)
    } else {
        Parsed::Incomplete
    })
}

/// `rtsp://host:port/cam-0001/trackID=0?x` → ("rtsp://host:port", ["cam-0001", "trackID=0"]).
pub fn split_uri(uri: &str) -> (String, Vec<String>) {
    let without_query = uri.split(['?', '#']).next().unwrap_or_default();
    let (base, path) = match without_query.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            // drop user:password@ from the base we echo back
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            (format!("{scheme}://{host}"), path)
        }
        None => (String::new(), without_query.trim_start_matches('/')),
    };
    let segments = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    (base, segments)
}

pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.headers
            .push(("Content-Type".into(), content_type.into()));
        self.body = body;
        self
    }

    pub fn to_bytes(&self, cseq: Option<&str>) -> Vec<u8> {
        let mut out = format!("RTSP/1.0 {} {}\r\n", self.status, reason(self.status));
        if let Some(cseq) = cseq {
            out.push_str(&format!("CSeq: {cseq}\r\n"));
        }
        out.push_str("Server: camsim\r\n");
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        if !self.body.is_empty() {
            out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        454 => "Session Not Found",
        455 => "Method Not Valid in This State",
        459 => "Aggregate Operation Not Allowed",
        461 => "Unsupported Transport",
        501 => "Not Implemented",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requests_and_interleaved() {
        let raw = b"DESCRIBE rtsp://u:p@127.0.0.1:8554/cam-0001 RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n$\x01\x00\x02ab";
        let Ok(Parsed::Request(req, used)) = parse(raw) else {
            panic!("not parsed");
        };
        assert_eq!(req.method, "DESCRIBE");
        assert_eq!(req.cseq(), Some("2"));
        assert_eq!(parse(&raw[used..]), Ok(Parsed::Interleaved(6)));
        assert_eq!(parse(&raw[..10]), Ok(Parsed::Incomplete));
        let (base, segs) = split_uri(&req.uri);
        assert_eq!(base, "rtsp://127.0.0.1:8554");
        assert_eq!(segs, ["cam-0001"]);
        assert_eq!(
            split_uri("rtsp://h/cam-1/trackID=0").1,
            ["cam-1", "trackID=0"]
        );
        assert!(split_uri("*").1 == ["*"]);
    }

    #[test]
    fn waits_for_body() {
        let raw = b"SET_PARAMETER rtsp://h/c RTSP/1.0\r\nCSeq: 5\r\nContent-Length: 4\r\nSession: abc;timeout=60\r\n\r\nab";
        assert_eq!(parse(raw), Ok(Parsed::Incomplete));
        let mut full = raw.to_vec();
        full.extend_from_slice(b"cd");
        let Ok(Parsed::Request(req, used)) = parse(&full) else {
            panic!("not parsed");
        };
        assert_eq!(used, full.len());
        assert_eq!(req.session(), Some("abc"));
    }
}
