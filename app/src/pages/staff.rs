//! The staff pages, each in a wasm file of its own (issue #12).
//!
//! A tourist opening the public map should not download the operators' video wall, the planner's
//! area query or the admin screens. Each staff page is a lazy route: `cargo leptos build --split`
//! cuts the code only that page reaches into its own file, which the browser fetches when the
//! page is opened (the server names it in a `modulepreload` link when the page itself is asked
//! for, so there is no extra round trip). The public map and the sign-in page stay in the main
//! file. Without `--split` a lazy route cannot load: every build command in the Makefile passes it.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::{
    account::AccountPage, admin_imports::AdminImportsPage, admin_users::AdminUsersPage,
    ops::OpsPage, planner::PlannerPage, wall::WallPage,
};

/// Declares a lazy route for a page component that takes no props.
macro_rules! staff_route {
    ($(#[$doc:meta])* $route:ident => $page:ident) => {
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                $page().into_any()
            }
        }
    };
}

staff_route!(
    /// `/ops`: the operators' map, incidents, cameras and video.
    OpsRoute => OpsPage
);
staff_route!(
    /// `/planner`: area queries and exports.
    PlannerRoute => PlannerPage
);
staff_route!(
    /// `/account`: the signed-in user's own settings.
    AccountRoute => AccountPage
);
staff_route!(
    /// `/admin/users`: accounts and roles.
    AdminUsersRoute => AdminUsersPage
);
staff_route!(
    /// `/admin/imports`: layers from files.
    AdminImportsRoute => AdminImportsPage
);
staff_route!(
    /// `/wall`: the landmark video wall.
    WallRoute => WallPage
);
