//! Every route the API serves and who may call it (`api/tests/authorization.rs` checks the table
//! against the source and the answers; the body fuzzing walks it too).

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    Anyone,
    /// Any signed-in user, whatever their roles.
    SignedIn,
    Roles(&'static [&'static str]),
    /// A console page: a console session with one of these roles; tokens mean nothing there.
    Console,
    /// Checked elsewhere, for the reason given (WeChat's signature, a unit test's own router).
    Elsewhere(&'static str),
}

pub use Who::{Anyone, Console, Elsewhere, Roles, SignedIn};

pub const ADMIN: Who = Roles(&["admin"]);
pub const PATIENT: Who = Roles(&["patient"]);
pub const MODERATORS: Who = Roles(&["admin", "counselor"]);
pub const BOOK: Who = Roles(&["staff", "admin", "counselor"]);
pub const ALL_ROLES: [&str; 6] = ["admin", "staff", "patient", "visitor", "student", "counselor"];

pub const MATRIX: &[(&str, &str, Who)] = &[
    ("GET", "/healthz", Anyone),
    ("GET", "/readyz", Anyone),
    ("GET", "/metrics", Anyone),
    // The OpenAPI document and its reference page (issue 18).
    ("GET", "/openapi.json", Anyone),
    ("GET", "/docs", Anyone),
    ("POST", "/auth/get-token/", Anyone),
    ("POST", "/auth/wechat-code2token/", Anyone),
    ("DELETE", "/auth/wechat-auth/", SignedIn),
    ("PUT", "/auth/wechat-auth/", SignedIn),
    ("GET", "/current-user/", SignedIn),
    ("GET", "/current-user/meta/", SignedIn),
    ("PUT", "/current-user/meta/", SignedIn),
    ("PATCH", "/current-user/meta/", SignedIn),
    ("POST", "/api/files", SignedIn),
    // Public files (stored avatars) are anyone's; the others their owner's, staff's and admins' (files.rs).
    ("GET", "/api/files/{id}", Anyone),
    ("GET", "/admin/users", ADMIN),
    ("POST", "/admin/users", ADMIN),
    ("PATCH", "/admin/users/{id}", ADMIN),
    ("GET", "/admin/queues", ADMIN),
    ("GET", "/admin/queues/{queue}/dead", ADMIN),
    ("POST", "/admin/queues/{queue}/dead/{id}/retry", ADMIN),
    // Seed 001 (hospital).
    ("GET", "/admin/hospitals", ADMIN),
    ("POST", "/admin/hospitals", ADMIN),
    ("PATCH", "/admin/hospitals/{id}", ADMIN),
    ("GET", "/admin/departments", ADMIN),
    ("POST", "/admin/departments", ADMIN),
    ("PATCH", "/admin/departments/{id}", ADMIN),
    ("GET", "/admin/schedules", ADMIN),
    ("POST", "/admin/schedules", ADMIN),
    ("PATCH", "/admin/schedules/{id}", ADMIN),
    ("GET", "/patient/patients", PATIENT),
    ("POST", "/patient/patients", PATIENT),
    ("GET", "/patient/schedules", PATIENT),
    ("GET", "/patient/appointments", PATIENT),
    ("POST", "/patient/appointments", PATIENT),
    ("GET", "/patient/appointments/{id}", PATIENT),
    ("DELETE", "/patient/appointments/{id}", PATIENT),
    ("POST", "/patient/appointments/{id}/cancel", PATIENT),
    ("PUT", "/patient/appointments/{id}/reschedule", PATIENT),
    ("POST", "/patient/waitlist", PATIENT),
    // Seed 000 (the Official Account).
    ("GET", "/api/admin/nurses/msg/wx/qrcode", ADMIN),
    ("POST", "/api/admin/nurses/msg/wx/qrcode", ADMIN),
    ("GET", "/api/admin/nurses/msg/wx/qrcode-list", ADMIN),
    ("GET", "/api/admin/nurses/msg/wx/departments/{id}/followers", ADMIN),
    // The robot's rules: admins and counselors (seed 004's counselors manage them too).
    ("GET", "/api/admin/nurses/msg/wx/keywords", MODERATORS),
    ("POST", "/api/admin/nurses/msg/wx/keywords", MODERATORS),
    ("DELETE", "/api/admin/nurses/msg/wx/keywords/{id}", MODERATORS),
    ("PUT", "/api/admin/nurses/msg/wx/keywords/{id}", MODERATORS),
    // The Official Account's custom menu (seed 004).
    ("GET", "/school/menu", ADMIN),
    ("PUT", "/school/menu", ADMIN),
    ("POST", "/school/menu/publish", ADMIN),
    // The topic board (seed 004): read by anyone signed in (H5), moderated by counselors and admins.
    ("GET", "/school/topics", SignedIn),
    ("GET", "/school/topics/{topic}/posts", SignedIn),
    ("DELETE", "/school/topic-posts/{id}", MODERATORS),
    ("GET", "/api/nurses/msg/wx/callback", Elsewhere("WeChat's signature: wechat_callback.rs")),
    ("POST", "/api/nurses/msg/wx/callback", Elsewhere("WeChat's signature: wechat_callback.rs")),
    // Seed 002 (college staff services).
    ("GET", "/contacts/", BOOK),
    ("POST", "/friends/{user_id}/", BOOK),
    ("DELETE", "/friends/{user_id}/", BOOK),
    ("GET", "/repairs/", BOOK),
    ("POST", "/repairs/", BOOK),
    ("GET", "/repairs/categories/", BOOK),
    ("GET", "/repairs/{id}/", BOOK),
    ("GET", "/admin/repairs/", ADMIN),
    ("PATCH", "/admin/repairs/{id}/", ADMIN),
    ("GET", "/admin/repairs/categories/", ADMIN),
    ("POST", "/admin/repairs/categories/", ADMIN),
    ("GET", "/admin/repairs/recipients/", ADMIN),
    ("POST", "/admin/repairs/recipients/", ADMIN),
    ("DELETE", "/admin/repairs/recipients/{id}/", ADMIN),
    ("GET", "/meetingrooms/available/", BOOK),
    ("GET", "/reservations/", BOOK),
    ("POST", "/reservations/", BOOK),
    ("GET", "/reservations/requests/{id}/", BOOK),
    ("GET", "/reservations/{id}/", BOOK),
    ("DELETE", "/reservations/{id}/", BOOK),
    ("GET", "/admin/reservations/conflicts/", ADMIN),
    ("PATCH", "/admin/reservations/{id}/", ADMIN),
    ("GET", "/guides/", BOOK),
    ("GET", "/guides/categories/", BOOK),
    ("GET", "/guides/{id}", BOOK),
    ("GET", "/guides/{id}/", BOOK),
    ("GET", "/guides/{id}/email", BOOK),
    ("POST", "/guides/{id}/email", BOOK),
    ("GET", "/guides/{id}/email/", BOOK),
    ("POST", "/guides/{id}/email/", BOOK),
    ("GET", "/admin/guides/", ADMIN),
    ("POST", "/admin/guides/", ADMIN),
    ("DELETE", "/admin/guides/{id}/", ADMIN),
    ("GET", "/admin/meetingrooms/", ADMIN),
    ("POST", "/admin/meetingrooms/", ADMIN),
    ("GET", "/admin/meetingrooms/{id}/", ADMIN),
    ("PATCH", "/admin/meetingrooms/{id}/", ADMIN),
    ("DELETE", "/admin/meetingrooms/{id}/", ADMIN),
    // Seed 002 活动: check-in and enrollment records.
    ("GET", "/activities/clockins/{activity_id}", BOOK),
    ("POST", "/activities/clockins/{activity_id}", BOOK),
    ("GET", "/admin/activities/{id}/clockin-items/", ADMIN),
    ("POST", "/admin/activities/{id}/clockin-items/", ADMIN),
    ("GET", "/admin/activities/{id}/operators/", ADMIN),
    ("PUT", "/admin/activities/{id}/operators/", ADMIN),
    // Admins and the activity's operators (checked after the role: clockins.rs); 404 here.
    ("GET", "/admin/activities/{id}/clockin-items/{item_id}/token", BOOK),
    ("GET", "/admin/activities/{id}/clockin-items/{item_id}/display", Elsewhere("a signed display link: clockin_display.rs")),
    ("GET", "/admin/activities/{id}/enrollments/", ADMIN),
    ("GET", "/activities/", BOOK),
    ("GET", "/activities/{id}", BOOK),
    ("GET", "/activities/{id}/", BOOK),
    ("GET", "/enrollments/", BOOK),
    ("POST", "/enrollments/", BOOK),
    ("GET", "/enrollments/{id}/", BOOK),
    ("DELETE", "/enrollments/{id}/", BOOK),
    ("GET", "/admin/activities/", ADMIN),
    ("POST", "/admin/activities/", ADMIN),
    ("GET", "/admin/activities/{id}/", ADMIN),
    ("PATCH", "/admin/activities/{id}/", ADMIN),
    // Seed 003 (visitor appointments, H5): callers are identified by token and bound phone.
    ("POST", "/v2/wechat/login", Anyone),
    ("GET", "/v2/wechat/jssdk", Anyone),
    ("GET", "/v2/wechat/binding", SignedIn),
    ("POST", "/v2/wechat/binding", SignedIn),
    ("POST", "/v2/wechat/binding/code", SignedIn),
    ("GET", "/v1/subject/binding", SignedIn),
    ("POST", "/v1/subject/binding", SignedIn),
    ("GET", "/v1/visitor/binding", SignedIn),
    ("POST", "/v1/visitor/binding", SignedIn),
    ("GET", "/v1/subject/purpose", SignedIn),
    ("POST", "/v1/subject", SignedIn),
    ("GET", "/v1/visit/records", SignedIn),
    ("GET", "/v1/auth/records", SignedIn),
    // Only the application's host (404 to anyone else): checked in api/tests/visitors.rs.
    ("PUT", "/v1/auth/{id}", SignedIn),
    // The console (its roles are checked by api/tests/console.rs with console sessions).
    ("GET", "/admin/", Anyone),
    ("GET", "/admin/console", Anyone),
    ("GET", "/admin/console/login", Anyone),
    ("POST", "/admin/console/login", Elsewhere("anyone with the sign-in form's CSRF cookie: console.rs")),
    ("GET", "/admin/console/static/{file}", Anyone),
    ("GET", "/admin/console/{*rest}", Anyone),
    ("POST", "/admin/console/{*rest}", Anyone),
    ("GET", "/admin/console/", Console),
    ("POST", "/admin/console/logout", Console),
    ("GET", "/admin/console/users", Console),
    ("GET", "/admin/console/users.csv", Console),
    ("GET", "/admin/console/users/new", Console),
    ("POST", "/admin/console/users/new", Console),
    ("GET", "/admin/console/users/{id}", Console),
    ("POST", "/admin/console/users/{id}", Console),
    ("GET", "/admin/console/hospitals", Console),
    ("POST", "/admin/console/hospitals", Console),
    ("GET", "/admin/console/hospitals/{id}", Console),
    ("POST", "/admin/console/hospitals/{id}", Console),
    ("GET", "/admin/console/departments", Console),
    ("POST", "/admin/console/departments", Console),
    ("GET", "/admin/console/departments/{id}", Console),
    ("POST", "/admin/console/departments/{id}", Console),
    ("GET", "/admin/console/schedules", Console),
    ("GET", "/admin/console/schedules.csv", Console),
    ("GET", "/admin/console/schedules/new", Console),
    ("POST", "/admin/console/schedules/new", Console),
    ("GET", "/admin/console/schedules/{id}", Console),
    ("GET", "/admin/console/schedules/{id}/edit", Console),
    ("POST", "/admin/console/schedules/{id}/edit", Console),
    ("GET", "/admin/console/sends", Console),
    ("GET", "/admin/console/qrcodes", Console),
    ("POST", "/admin/console/qrcodes", Console),
    ("GET", "/admin/console/qrcodes/{id}", Console),
    ("GET", "/admin/console/qrcodes/{id}/print", Console),
    ("GET", "/admin/console/qrcodes/{id}/qr.svg", Console),
    ("GET", "/admin/console/keywords", Console),
    ("GET", "/admin/console/keywords/new", Console),
    ("POST", "/admin/console/keywords/new", Console),
    ("GET", "/admin/console/keywords/{id}", Console),
    ("POST", "/admin/console/keywords/{id}", Console),
    ("POST", "/admin/console/keywords/{id}/delete", Console),
    ("GET", "/admin/console/rooms", Console),
    ("GET", "/admin/console/rooms/new", Console),
    ("POST", "/admin/console/rooms/new", Console),
    ("GET", "/admin/console/rooms/{id}", Console),
    ("POST", "/admin/console/rooms/{id}", Console),
    ("POST", "/admin/console/rooms/{id}/archive", Console),
    ("GET", "/admin/console/reservations", Console),
    ("GET", "/admin/console/reservations/{id}", Console),
    ("POST", "/admin/console/reservations/{id}", Console),
    ("POST", "/admin/console/reservations/{id}/cancel", Console),
    ("GET", "/admin/console/repairs", Console),
    ("GET", "/admin/console/repairs.csv", Console),
    ("GET", "/admin/console/repairs/{id}", Console),
    ("POST", "/admin/console/repairs/{id}", Console),
    ("GET", "/admin/console/repairs/categories", Console),
    ("POST", "/admin/console/repairs/categories", Console),
    ("GET", "/admin/console/repairs/recipients", Console),
    ("POST", "/admin/console/repairs/recipients", Console),
    ("POST", "/admin/console/repairs/recipients/{id}/delete", Console),
    ("GET", "/admin/console/guides", Console),
    ("GET", "/admin/console/guides/new", Console),
    ("POST", "/admin/console/guides/new", Console),
    ("GET", "/admin/console/guides/{id}/file", Console),
    ("POST", "/admin/console/guides/{id}/delete", Console),
    ("GET", "/admin/console/activities/{id}/clockins", Console),
    ("POST", "/admin/console/activities/{id}/clockins/items", Console),
    ("POST", "/admin/console/activities/{id}/clockins/operators", Console),
    ("GET", "/admin/console/activities/{id}/enrollments", Console),
    ("GET", "/admin/console/activities/{id}/enrollments.csv", Console),
    ("GET", "/admin/console/activities", Console),
    ("GET", "/admin/console/activities/new", Console),
    ("POST", "/admin/console/activities/new", Console),
    ("GET", "/admin/console/activities/{id}", Console),
    ("POST", "/admin/console/activities/{id}", Console),
    ("GET", "/admin/console/facts", Console),
    ("GET", "/admin/console/queues", Console),
    ("GET", "/admin/console/queues/{queue}", Console),
    ("POST", "/admin/console/queues/{queue}/retry-all", Console),
    ("POST", "/admin/console/queues/{queue}/dead/{id}/retry", Console),
    ("GET", "/boom", Elsewhere("a unit test's own router in middleware.rs")),
];

/// Route paths named by a constant rather than written out.
pub const NAMED_PATHS: &[(&str, &str)] = &[("PATH", "/api/nurses/msg/wx/callback")];

/// A path with its parameters filled in (ids that name nothing, the `default` queue).
pub fn concrete(path: &str) -> String {
    let path = path.replace("{queue}", "default").replace("{file}", "console.css").replace("{*rest}", "nowhere");
    path.split('/').map(|seg| if seg.starts_with('{') { "999999" } else { seg }).collect::<Vec<_>>().join("/")
}

/// What a route's `{id}` names when it is one user's own: another user with the same roles gets
/// 404 (as if it did not exist), the owner gets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owned {
    /// A patient's appointment (seed 001).
    Appointment,
    /// An uploaded file that is not public: its uploader's (staff and admins also see it).
    File,
    /// A staff member's repair report (admins also see it).
    Repair,
    /// A reservation request (seed 002), and the reservation it became.
    ReservationRequest,
    Reservation,
    /// An enrollment in an activity.
    Enrollment,
}

/// The owner dimension of the matrix: every route whose parameter names one user's resource.
pub const OWNED: &[(&str, &str, Owned)] = &[
    ("GET", "/patient/appointments/{id}", Owned::Appointment),
    ("PUT", "/patient/appointments/{id}/reschedule", Owned::Appointment),
    ("POST", "/patient/appointments/{id}/cancel", Owned::Appointment),
    ("DELETE", "/patient/appointments/{id}", Owned::Appointment),
    ("GET", "/api/files/{id}", Owned::File),
    ("GET", "/repairs/{id}/", Owned::Repair),
    ("GET", "/reservations/requests/{id}/", Owned::ReservationRequest),
    ("GET", "/reservations/{id}/", Owned::Reservation),
    ("DELETE", "/reservations/{id}/", Owned::Reservation),
    ("GET", "/enrollments/{id}/", Owned::Enrollment),
    ("DELETE", "/enrollments/{id}/", Owned::Enrollment),
];

/// Routes with a parameter that names something shared by everyone the route's roles admit, so
/// there is no owner to check (each with the reason).
pub const SHARED: &[(&str, &str, &str)] = &[
    ("PUT", "/api/admin/nurses/msg/wx/keywords/{id}", "a robot rule: one set for the Official Account, kept by every counselor and admin"),
    ("DELETE", "/api/admin/nurses/msg/wx/keywords/{id}", "a robot rule: one set for the Official Account, kept by every counselor and admin"),
    ("GET", "/school/topics/{topic}/posts", "a topic of the board, read by everyone signed in"),
    ("DELETE", "/school/topic-posts/{id}", "a post on the board, moderated by every counselor and admin"),
    ("POST", "/friends/{user_id}/", "a colleague: anyone in the contact book"),
    ("DELETE", "/friends/{user_id}/", "a colleague: anyone in the contact book"),
    ("GET", "/guides/{id}", "a service guide, published to all staff"),
    ("GET", "/guides/{id}/", "a service guide, published to all staff"),
    ("GET", "/guides/{id}/email", "a service guide, mailed to oneself"),
    ("POST", "/guides/{id}/email", "a service guide, mailed to oneself"),
    ("GET", "/guides/{id}/email/", "a service guide, mailed to oneself"),
    ("POST", "/guides/{id}/email/", "a service guide, mailed to oneself"),
    ("GET", "/activities/{id}", "an activity, listed to all staff"),
    ("GET", "/activities/{id}/", "an activity, listed to all staff"),
    ("GET", "/activities/clockins/{activity_id}", "an activity; the check-ins listed are the caller's own"),
    ("POST", "/activities/clockins/{activity_id}", "an activity; the check-in made is the caller's own"),
    ("GET", "/admin/activities/{id}/clockin-items/{item_id}/token", "admins and the activity's operators (others 404): api/tests/clockins.rs"),
    ("PUT", "/v1/auth/{id}", "a visit application, seen only by its host: confirmed staff whose bound phone is the host phone (others 404): api/tests/visitors.rs"),
];
