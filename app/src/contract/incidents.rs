//! Incidents on the wire: their kinds, statuses and lifecycle (each written once, here), the bodies
//! that report and move them, and the answers that carry them.

use serde::{Deserialize, Serialize};

use crate::model::Lang;

/// Declares a wire enum: its variants with their wire names and titles in both languages, `ALL` in
/// the order the user sees them, and parsing from the wire name.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal, $vi:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The name on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// What the user reads, in their language.
            pub fn title(self, lang: Lang) -> &'static str {
                match self {
                    $($name::$variant => lang.pick($vi, $en),)+
                }
            }

            /// Every wire name, comma-separated (for error messages).
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// What happened: the systems the IOC joins.
    IncidentKind {
        Fire = "fire", "Cháy", "Fire";
        SmokeAlarm = "smoke_alarm", "Báo khói / báo cháy", "Smoke / fire alarm";
        TrafficAccident = "traffic_accident", "Tai nạn giao thông", "Traffic accident";
        Congestion = "congestion", "Ùn tắc giao thông", "Congestion";
        Flooding = "flooding", "Ngập nước", "Flooding";
        Crowd = "crowd", "Tụ tập đông người", "Crowd";
        Security = "security", "An ninh trật tự", "Security";
        IllegalConstruction = "illegal_construction", "Xây dựng trái phép", "Illegal construction";
        BrokenStreetLight = "broken_street_light", "Đèn đường hỏng", "Broken street light";
        MedicalEmergency = "medical_emergency", "Cấp cứu y tế", "Medical emergency";
        Other = "other", "Khác", "Other";
    }
}

wire_enum! {
    /// Where an incident is in its lifecycle, in lifecycle order.
    IncidentStatus {
        New = "new", "Mới", "New";
        Acknowledged = "acknowledged", "Đã tiếp nhận", "Acknowledged";
        Dispatched = "dispatched", "Đã điều động", "Dispatched";
        Resolved = "resolved", "Đã xử lý", "Resolved";
        Dismissed = "dismissed", "Đã bỏ qua", "Dismissed";
    }
}

wire_enum! {
    /// A step an operator asks for (`to` of a transition); the title is the button's label.
    Step {
        Acknowledged = "acknowledged", "Tiếp nhận", "Acknowledge";
        Dispatched = "dispatched", "Điều động", "Dispatch";
        Resolved = "resolved", "Đã xử lý", "Resolve";
        Dismissed = "dismissed", "Bỏ qua", "Dismiss";
        /// Sends a resolved or dismissed incident back to acknowledged.
        Reopened = "reopened", "Mở lại", "Reopen";
    }
}

impl IncidentStatus {
    /// The lifecycle: the status this step leads to from here, if it is allowed.
    pub fn after(self, step: Step) -> Option<IncidentStatus> {
        use IncidentStatus as S;
        match (self, step) {
            (S::New, Step::Acknowledged) => Some(S::Acknowledged),
            (S::Acknowledged, Step::Dispatched) => Some(S::Dispatched),
            (S::Dispatched, Step::Resolved) => Some(S::Resolved),
            (S::New | S::Acknowledged, Step::Dismissed) => Some(S::Dismissed),
            (S::Resolved | S::Dismissed, Step::Reopened) => Some(S::Acknowledged),
            _ => None,
        }
    }

    /// Resolved and dismissed incidents are closed: they leave the live layer after a while.
    pub fn is_closed(self) -> bool {
        matches!(self, IncidentStatus::Resolved | IncidentStatus::Dismissed)
    }

    /// The steps this status allows, in button order.
    pub fn steps(self) -> Vec<Step> {
        Step::ALL
            .iter()
            .copied()
            .filter(|s| self.after(*s).is_some())
            .collect()
    }
}

/// `POST /api/incidents`: a report. `kind` is an [`IncidentKind`] name and `severity` 1 to 4; they
/// arrive as plain values so that a wrong one is answered with a message naming the field and the
/// values it may take.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    #[cfg_attr(feature = "ssr", schema(value_type = IncidentKind))]
    pub kind: String,
    /// 1 (minor) to 4 (critical).
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 4))]
    pub severity: i16,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 2000))]
    pub description: String,
    /// Where: a GeoJSON Point inside District 1.
    #[cfg_attr(feature = "ssr", schema(value_type = crate::contract::geo::Point))]
    pub geometry: serde_json::Value,
}

/// `POST /api/incidents/{id}/transitions`: one lifecycle step. Dispatching names the response unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    #[cfg_attr(feature = "ssr", schema(value_type = Step))]
    pub to: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 2000))]
    pub comment: String,
    #[serde(default)]
    pub unit: Option<String>,
}

/// What an incident feature's `properties` hold (the `incident_features` view writes them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IncidentProperties {
    pub id: String,
    pub kind: IncidentKind,
    pub severity: i16,
    pub status: IncidentStatus,
    pub description: String,
    /// `null` on a gap between wards.
    pub ward_code: Option<String>,
    pub unit: Option<String>,
    pub unit_name_vi: Option<String>,
    pub unit_name_en: Option<String>,
    /// RFC 3339 times.
    pub reported_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    /// The case history, oldest first: only in `GET /api/incidents/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryStep>>,
}

/// One step of an incident's case history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryStep {
    pub at: String,
    pub username: String,
    /// `null` for the report itself.
    pub from: Option<IncidentStatus>,
    pub to: IncidentStatus,
    pub unit: Option<String>,
    pub comment: String,
}

/// An incident as a GeoJSON Feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Incident {
    pub r#type: String,
    pub id: String,
    pub geometry: crate::contract::geo::Point,
    pub properties: IncidentProperties,
}

/// `GET /api/incidents`: newest change first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IncidentList {
    pub r#type: String,
    pub number_returned: usize,
    pub features: Vec<Incident>,
}

/// A response unit a dispatch may name (fire, police, medical, ward teams).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Unit {
    pub id: String,
    pub kind: String,
    pub name_vi: String,
    pub name_en: String,
    pub ward_code: Option<String>,
}

/// `GET /api/units`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Units {
    pub units: Vec<Unit>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_only_its_steps() {
        use IncidentStatus as S;
        assert_eq!(S::New.after(Step::Acknowledged), Some(S::Acknowledged));
        assert_eq!(S::Acknowledged.after(Step::Dispatched), Some(S::Dispatched));
        assert_eq!(S::Dispatched.after(Step::Resolved), Some(S::Resolved));
        assert_eq!(S::New.after(Step::Dismissed), Some(S::Dismissed));
        assert_eq!(S::Resolved.after(Step::Reopened), Some(S::Acknowledged));
        assert_eq!(S::Dismissed.after(Step::Reopened), Some(S::Acknowledged));
        assert_eq!(S::New.after(Step::Resolved), None);
        assert_eq!(S::Dispatched.after(Step::Dismissed), None);
        assert_eq!(S::New.after(Step::Reopened), None);
        assert_eq!(S::Resolved.after(Step::Resolved), None);
        assert_eq!(S::New.steps(), vec![Step::Acknowledged, Step::Dismissed]);
    }

    #[test]
    fn wire_names_round_trip() {
        for k in IncidentKind::ALL {
            assert_eq!(IncidentKind::parse(k.as_str()), Some(*k));
            let json = serde_json::to_string(k).expect("json");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert_eq!(IncidentKind::parse("alien"), None);
        assert_eq!(IncidentStatus::ALL.len(), 5);
        assert_eq!(Step::parse("reopened"), Some(Step::Reopened));
        assert_eq!(
            IncidentKind::SmokeAlarm.title(Lang::En),
            "Smoke / fire alarm"
        );
    }
}
