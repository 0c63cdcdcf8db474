//! Every operation of `/api` and `/ogc`: method, path, parameters, body and answers, naming the
//! contract's schemas. A route added to a capability's router belongs here too (the test in `mod.rs`
//! fails for a policy route missing from the document).

use serde_json::{json, Value};
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, Schema};

use crate::auth::policy::Access;

/// A parameter: its name, where, whether required, its schema and an example a client may send.
pub struct Param {
    name: &'static str,
    place: ParameterIn,
    required: bool,
    schema: ObjectBuilder,
    example: Option<Value>,
    description: &'static str,
}

fn text() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn whole(min: i64, max: i64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(min))
        .maximum(Some(max))
}

fn number(min: f64, max: f64) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Number)
        .minimum(Some(min))
        .maximum(Some(max))
}

fn path(name: &'static str, schema: ObjectBuilder, example: Value) -> Param {
    Param {
        name,
        place: ParameterIn::Path,
        required: true,
        schema,
        example: Some(example),
        description: "",
    }
}

fn query(name: &'static str, schema: ObjectBuilder, description: &'static str) -> Param {
    Param {
        name,
        place: ParameterIn::Query,
        required: false,
        schema,
        example: None,
        description,
    }
}

impl Param {
    fn required(mut self) -> Self {
        self.required = true;
        self
    }

    fn example(mut self, example: Value) -> Self {
        self.example = Some(example);
        self
    }
}

/// What a request carries.
pub enum Body {
    /// JSON of a contract schema, with an example that succeeds on the seeded district.
    Json(&'static str, Value),
    /// A WHEP offer (`application/sdp`).
    Sdp,
    /// A file, as it is (`application/octet-stream`).
    File,
}

/// One documented answer: its status, what it means, and its content type and schema (none for a
/// body-less answer).
pub struct Answer {
    status: u16,
    description: &'static str,
    content: Vec<(&'static str, RefOr<Schema>)>,
}

fn schema(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

/// Any JSON object (for answers whose parts the contract does not type yet).
fn object() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::Object).into()
}

fn ok(status: u16, description: &'static str, ctype: &'static str, s: RefOr<Schema>) -> Answer {
    Answer {
        status,
        description,
        content: vec![(ctype, s)],
    }
}

fn json_ok(status: u16, description: &'static str, name: &str) -> Answer {
    ok(status, description, "application/json", schema(name))
}

fn empty(status: u16, description: &'static str) -> Answer {
    Answer {
        status,
        description,
        content: Vec::new(),
    }
}

fn error(status: u16, description: &'static str) -> Answer {
    json_ok(status, description, "ErrorBody")
}

pub struct Op {
    pub method: HttpMethod,
    pub path: &'static str,
    tag: &'static str,
    summary: &'static str,
    params: Vec<Param>,
    body: Option<Body>,
    answers: Vec<Answer>,
}

fn op(method: HttpMethod, path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        method,
        path,
        tag,
        summary,
        params: Vec::new(),
        body: None,
        answers: Vec::new(),
    }
}

impl Op {
    fn param(mut self, p: Param) -> Self {
        self.params.push(p);
        self
    }

    fn body(mut self, b: Body) -> Self {
        self.body = Some(b);
        self
    }

    fn answer(mut self, a: Answer) -> Self {
        self.answers.push(a);
        self
    }

    /// The route policy's access for this operation (an operation without one is a bug the test in
    /// `mod.rs` catches; it is documented as admin-only meanwhile).
    pub fn access(&self) -> Access {
        super::access_of(&self.method, self.path).unwrap_or(Access::Admin)
    }

    pub fn build(self, access: Access) -> PathItem {
        let has_input = !self.params.is_empty() || self.body.is_some();
        let has_body = self.body.is_some();
        let mut b = OperationBuilder::new()
            .tag(self.tag)
            .summary(Some(self.summary))
            .operation_id(Some(operation_id(&self.method, self.path)))
            .extensions(Some(
                ExtensionsBuilder::new()
                    .add("x-access", format!("{access:?}"))
                    .build(),
            ));
        if access != Access::Public {
            b = b
                .security(SecurityRequirement::new("token", Vec::<String>::new()))
                .security(SecurityRequirement::new("session", Vec::<String>::new()));
        }
        for p in self.params {
            b = b.parameter(
                ParameterBuilder::new()
                    .name(p.name)
                    .parameter_in(p.place)
                    .required(if p.required {
                        Required::True
                    } else {
                        Required::False
                    })
                    .description((!p.description.is_empty()).then_some(p.description))
                    .schema(Some(p.schema.build()))
                    .example(p.example),
            );
        }
        match self.body {
            Some(Body::Json(name, example)) => {
                b = b.request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(schema(name)))
                                .example(Some(example))
                                .build(),
                        )
                        .build(),
                ));
            }
            Some(Body::Sdp) => {
                b = b.request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "application/sdp",
                            ContentBuilder::new().schema(Some(text().build())).build(),
                        )
                        .build(),
                ));
            }
            Some(Body::File) => {
                b = b.request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "application/octet-stream",
                            ContentBuilder::new()
                                .schema(Some(
                                    text()
                                        .format(Some(SchemaFormat::KnownFormat(
                                            KnownFormat::Binary,
                                        )))
                                        .build(),
                                ))
                                .build(),
                        )
                        .build(),
                ));
            }
            None => {}
        }
        for a in self.answers {
            let mut r = ResponseBuilder::new().description(a.description);
            for (ctype, s) in a.content {
                r = r.content(ctype, ContentBuilder::new().schema(Some(s)).build());
            }
            b = b.response(a.status.to_string(), r.build());
        }
        let mut operation = b.build();
        super::add_layer_errors(&mut operation, access, has_input, has_body);
        PathItem::new(self.method, operation)
    }
}

/// `get_api_incidents_id`, from the method and the path.
fn operation_id(method: &HttpMethod, path: &str) -> String {
    let words: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let words: Vec<&str> = words.split('_').filter(|w| !w.is_empty()).collect();
    format!("{}_{}", super::method_name(method), words.join("_")).to_lowercase()
}

/// A point inside District 1 (Nhà thờ Đức Bà), for examples.
fn cathedral() -> Value {
    json!({"type": "Point", "coordinates": [106.699, 10.7798]})
}

/// The table.
pub fn operations() -> Vec<Op> {
    use HttpMethod::{Delete, Get, Patch, Post};
    let geojson = "application/geo+json";
    vec![
        // the public map
        op(Get, "/api/map-config", "map", "What the browser needs to draw the map")
            .answer(ok(200, "The map settings", "application/json", object())),
        op(Get, "/api/map/ward-labels", "map", "One label point per ward valid on a day")
            .param(query("on", text().format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))), "YYYY-MM-DD: the wards of that day (today)"))
            .answer(ok(200, "Ward label points", geojson, schema("FeatureCollection"))),
        op(Get, "/api/map/district-outline.svg", "map", "The district and its wards as an SVG picture, shown before the map has loaded")
            .answer(ok(200, "The picture", "image/svg+xml", text().build().into())),
        op(Get, "/api/search", "map", "Places by name, ignoring case and diacritics")
            .param(query("q", text().min_length(Some(1)).max_length(Some(100)), "The name").required().example(json!("nha tho duc ba")))
            .param(query("lang", text().enum_values(Some(["vi", "en"])), "Language of the names"))
            .param(query("limit", whole(1, 50), "At most this many (10)"))
            .answer(ok(200, "Places, best match first", geojson, schema("SearchResults"))),
        op(Get, "/api/notices", "map", "Public notices valid now")
            .answer(json_ok(200, "The notices", "Notices")),
        // sign-in and the caller's account
        op(Post, "/api/session", "auth", "Sign in; the answer sets the session cookie")
            .body(Body::Json("Credentials", json!({"username": "planner", "password": "planner-demo-2026"})))
            .answer(json_ok(200, "Signed in", "SignedIn"))
            .answer(error(401, "Wrong username or password")),
        op(Delete, "/api/session", "auth", "Sign out (ends the session's sockets and video)")
            .answer(empty(204, "Signed out")),
        op(Get, "/api/me", "auth", "The signed-in user")
            .answer(json_ok(200, "The user and how they signed in", "Me")),
        op(Post, "/api/account/password", "auth", "Change one's own password (ends one's other sessions and tokens)")
            .body(Body::Json("PasswordChange", json!({"current_password": "wrong-password-1", "new_password": "a-new-password-2026"})))
            .answer(empty(204, "Changed")),
        op(Get, "/api/tokens", "auth", "The caller's API tokens (an admin may name another user)")
            .param(query("user", whole(1, i64::MAX), "Another user's id (admins)"))
            .answer(json_ok(200, "The tokens", "Tokens")),
        op(Post, "/api/tokens", "auth", "Create an API token; its secret is shown only in this answer")
            .body(Body::Json("NewToken", json!({"name": "QGIS on the planning PC"})))
            .answer(json_ok(201, "The new token and its secret", "TokenCreated")),
        op(Delete, "/api/tokens/{id}", "auth", "Revoke an API token (ends what it opened)")
            .param(path("id", whole(1, i64::MAX), json!(999_999)))
            .answer(empty(204, "Revoked"))
            .answer(error(404, "No such token of the caller's")),
        // administration
        op(Get, "/api/users", "users", "Every user")
            .answer(json_ok(200, "The users", "Users")),
        op(Post, "/api/users", "users", "Create a user")
            .body(Body::Json("NewUser", json!({"username": "duty-officer-2", "password": "a-long-password-2026", "role": "operator", "display_name": "Trực ban 2"})))
            .answer(json_ok(201, "The user", "User"))
            .answer(error(409, "The username is taken")),
        op(Get, "/api/users/{id}", "users", "One user")
            .param(path("id", whole(1, i64::MAX), json!(1)))
            .answer(json_ok(200, "The user", "User"))
            .answer(error(404, "No such user")),
        op(Patch, "/api/users/{id}", "users", "Change a user (role, name, disabled, password)")
            .param(path("id", whole(1, i64::MAX), json!(1)))
            .body(Body::Json("UserPatch", json!({"display_name": "Quản trị"})))
            .answer(json_ok(200, "The user as changed", "User"))
            .answer(error(404, "No such user")),
        // incidents
        op(Get, "/api/incidents", "incidents", "Incidents, newest change first")
            .param(query("status", text(), "Comma-separated statuses"))
            .param(query("bbox", text(), "minLon,minLat,maxLon,maxLat"))
            .param(query("updated_after", text().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))), "RFC 3339"))
            .param(query("limit", whole(0, 1000), "At most this many (100)"))
            .param(query("offset", whole(0, i64::MAX), "Skip this many"))
            .answer(json_ok(200, "The incidents", "IncidentList")),
        op(Post, "/api/incidents", "incidents", "Report an incident")
            .param(Param {
                name: "Idempotency-Key",
                place: ParameterIn::Header,
                required: false,
                schema: text().max_length(Some(200)),
                example: None,
                description: "A retry with the same key gets the first answer back",
            })
            .body(Body::Json("NewIncident", json!({"kind": "fire", "severity": 3, "description": "Khói ở tầng 2", "geometry": cathedral()})))
            .answer(json_ok(201, "The incident", "Incident"))
            .answer(error(422, "The idempotency key was used with another body")),
        op(Get, "/api/incidents/{id}", "incidents", "One incident with its case history")
            .param(path("id", text(), json!("inc-000001")))
            .answer(json_ok(200, "The incident", "Incident"))
            .answer(error(404, "No such incident")),
        op(Post, "/api/incidents/{id}/transitions", "incidents", "Move an incident along its lifecycle")
            .param(path("id", text(), json!("inc-000001")))
            .body(Body::Json("TransitionRequest", json!({"to": "acknowledged", "comment": "Đã tiếp nhận"})))
            .answer(json_ok(200, "The incident as changed", "Incident"))
            .answer(error(404, "No such incident"))
            .answer(error(409, "The lifecycle does not allow this step now")),
        op(Get, "/api/units", "incidents", "The response units a dispatch may name")
            .answer(json_ok(200, "The units", "Units")),
        // layers from files
        op(Post, "/api/imports", "imports", "Upload a file to import (GeoJSON, CSV, zipped Shapefile, GeoPackage; at most 20 MiB)")
            .param(query("filename", text().min_length(Some(1)).max_length(Some(200)), "The file's name; its extension says the format").required().example(json!("stops.csv")))
            .body(Body::File)
            .answer(json_ok(201, "What the file holds", "ImportPreview")),
        op(Get, "/api/imports/{id}", "imports", "An upload's preview again")
            .param(path("id", text(), json!("imp-00000000000000000000000000000000")))
            .answer(json_ok(200, "What the file holds", "ImportPreview"))
            .answer(error(404, "No such upload waiting")),
        op(Post, "/api/imports/{id}/commit", "imports", "Import every row of an upload into a layer, or none")
            .param(path("id", text(), json!("imp-00000000000000000000000000000000")))
            .body(Body::Json("ImportCommit", json!({"layer": "bus-stops", "title_vi": "Trạm xe buýt", "title_en": "Bus stops", "access": "public"})))
            .answer(json_ok(200, "Every row landed", "ImportResult"))
            .answer(error(404, "No such upload waiting"))
            .answer(error(409, "The layer id is a built-in collection's"))
            .answer(json_ok(422, "Rows refused, each by number and reason; nothing was imported", "ImportRejected")),
        op(Get, "/api/layers", "imports", "The imported layers the caller may see")
            .answer(json_ok(200, "The layers", "Layers")),
        op(Delete, "/api/layers/{id}", "imports", "Remove an imported layer and its features")
            .param(path("id", text(), json!("bus-stops")))
            .answer(empty(204, "Removed"))
            .answer(error(404, "No such layer")),
        // cameras and video
        op(Post, "/api/cameras", "cameras", "Add a camera")
            .body(Body::Json("CameraInput", json!({"name": "Phố đi bộ Nguyễn Huệ", "kind": "fixed", "recorder": "nvr-001",
                "geometry": {"type": "Point", "coordinates": [106.7033, 10.7745]}, "stream_url": "rtsp://127.0.0.1:8554/cam-9001"})))
            .answer(json_ok(201, "The camera", "Camera")),
        op(Get, "/api/cameras/{id}", "cameras", "One camera, with its masked stream URL")
            .param(path("id", text(), json!("cam-0002")))
            .answer(json_ok(200, "The camera", "Camera"))
            .answer(error(404, "No such camera")),
        op(Patch, "/api/cameras/{id}", "cameras", "Change a camera (JSON merge-patch)")
            .param(path("id", text(), json!("cam-0003")))
            .body(Body::Json("CameraInput", json!({"name_en": "Rex Hotel roof"})))
            .answer(json_ok(200, "The camera as changed", "Camera"))
            .answer(error(404, "No such camera")),
        op(Delete, "/api/cameras/{id}", "cameras", "Remove a camera (ends its viewers' sessions)")
            .param(path("id", text(), json!("cam-0100")))
            .answer(empty(204, "Removed"))
            .answer(error(404, "No such camera")),
        op(Get, "/api/cameras/nearest", "cameras", "The nearest online cameras to a point")
            .param(query("lon", number(-180.0, 180.0), "Longitude").required().example(json!(106.699)))
            .param(query("lat", number(-90.0, 90.0), "Latitude").required().example(json!(10.7798)))
            .param(query("n", whole(1, 20), "How many (3)"))
            .answer(json_ok(200, "Nearest first, each with distance_m", "CameraList")),
        op(Get, "/api/cameras/offline", "cameras", "Every camera now offline, longest first")
            .answer(json_ok(200, "The cameras", "CameraList")),
        op(Post, "/api/cameras/{id}/whep", "video", "Watch a camera: a WHEP offer, answered with the SDP answer")
            .param(path("id", text(), json!("cam-0001")))
            .body(Body::Sdp)
            .answer(ok(201, "The SDP answer; Location names the session", "application/sdp", text().build().into()))
            .answer(error(404, "No such camera"))
            .answer(error(406, "The offer has no H.264 video (packetization-mode 1)")),
        op(Delete, "/api/cameras/{id}/whep/{session}", "video", "Stop watching")
            .param(path("id", text(), json!("cam-0001")))
            .param(path("session", text(), json!("no-such-session")))
            .answer(empty(200, "Ended"))
            .answer(error(404, "No such session of the caller's")),
        op(Get, "/api/video/views", "video", "Who watched which camera when (the viewing audit)")
            .param(query("camera", text(), "One camera's views"))
            .param(query("limit", whole(1, 10_000), "At most this many (100)"))
            .answer(ok(200, "The views, newest first", "application/json", object())),
        // planning
        op(Post, "/api/area-query", "planner", "Figures and a page of features inside a ward or polygon")
            .body(Body::Json("AreaQuery", json!({"ward": "26734"})))
            .answer(json_ok(200, "The figures and features", "AreaAnswer")),
        op(Post, "/api/area-query/export", "planner", "Every feature inside the area, as a file")
            .param(query("format", text().enum_values(Some(["geojson", "csv"])), "geojson (default) or csv"))
            .body(Body::Json("AreaQuery", json!({"ward": "26734"})))
            .answer(Answer {
                status: 200,
                description: "The file: GeoJSON, or CSV (layer,id,name_vi,name_en,kind,lon,lat,wkt)",
                content: vec![(geojson, schema("FeatureCollection")), ("text/csv", text().build().into())],
            }),
        op(Post, "/api/area-query/exports", "planner", "Save the export in the file store, for any planner to download later")
            .param(query("format", text().enum_values(Some(["geojson", "csv"])), "geojson (default) or csv"))
            .body(Body::Json("AreaQuery", json!({"ward": "26734"})))
            .answer(json_ok(201, "Saved; its address is in Location", "SavedExport")),
        op(Get, "/api/area-query/exports", "planner", "The saved exports, newest first")
            .answer(json_ok(200, "The saved exports", "SavedExports")),
        op(Get, "/api/area-query/exports/{id}", "planner", "A saved export's file")
            .param(path("id", text(), json!("00000000000000000000000000000000")))
            .answer(Answer {
                status: 200,
                description: "The file, as saved",
                content: vec![(geojson, schema("FeatureCollection")), ("text/csv", text().build().into())],
            })
            .answer(error(404, "No such saved export, or it expired")),
        op(Delete, "/api/area-query/exports/{id}", "planner", "Delete a saved export (the planner who saved it, or an admin)")
            .param(path("id", text(), json!("00000000000000000000000000000000")))
            .answer(empty(204, "Deleted"))
            .answer(error(403, "Saved by another planner"))
            .answer(error(404, "No such saved export, or it expired")),
        // OGC API – Features
        op(Get, "/ogc", "ogc", "The landing page")
            .param(query("f", text(), "json"))
            .answer(ok(200, "Links to the conformance, the collections and this document", "application/json", object())),
        op(Get, "/ogc/conformance", "ogc", "The conformance classes")
            .param(query("f", text(), "json"))
            .answer(ok(200, "The classes", "application/json", object())),
        op(Get, "/ogc/collections", "ogc", "The collections this caller may read")
            .param(query("f", text(), "json"))
            .answer(ok(200, "The collections", "application/json", object())),
        op(Get, "/ogc/collections/{id}", "ogc", "One collection")
            .param(path("id", text(), json!("wards")))
            .param(query("f", text(), "json"))
            .answer(ok(200, "The collection", "application/json", object()))
            .answer(error(404, "No such collection")),
        op(Get, "/ogc/collections/{id}/items", "ogc", "A collection's features")
            .param(path("id", text(), json!("wards")))
            .param(query("bbox", text(), "minLon,minLat,maxLon,maxLat"))
            .param(query("limit", whole(1, i64::MAX), "Page size (100, at most 10,000)"))
            .param(query("offset", whole(0, i64::MAX), "Skip this many"))
            .param(query("datetime", text(), "An instant or an interval (incidents)"))
            .param(query("f", text(), "json"))
            .answer(ok(200, "A page of features", geojson, schema("FeatureCollection")))
            .answer(error(404, "No such collection")),
        op(Get, "/ogc/collections/{id}/items/{fid}", "ogc", "One feature")
            .param(path("id", text(), json!("wards")))
            .param(path("fid", text(), json!("26734@2025-07-01")))
            .param(query("f", text(), "json"))
            .answer(ok(200, "The feature", geojson, schema("Feature")))
            .answer(error(404, "No such collection or feature")),
    ]
}
