//! The contact book (seed 002 二、联系人、同事相关): one's own card (`/current-user/meta/`), the
//! staff's cards with search (`/contacts/`), and colleagues (`/friends/{userId}/`).

use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yizhan_common::college::contacts::{self, Added, CardChange, ContactCard, MAX_COLLEAGUES};

use super::page::DrfPage;
use super::BookRole;
use crate::error::{ApiError, ApiResult, FieldErrors};
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser, Authorized, Pagination};
use crate::routes::views;
use crate::state::AppState;
use crate::openapi::schemas::{DrfPageQuery, ErrorEnvelope};
use crate::openapi::TAG_COLLEGE;

pub(super) fn meta_view(c: ContactCard) -> views::ContactCard {
    views::ContactCard {
        department: c.department,
        email: c.email,
        id: c.id,
        mobile: c.mobile,
        name: c.name,
        position: c.position,
        qq: c.qq,
        telephone: c.telephone,
    }
}

/// A card in `/contacts/`: the `/current-user/meta/` fields and whether the person is one of the
/// asking user's colleagues.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    #[serde(flatten)]
    card: views::ContactCard,
    is_colleague: bool,
}

impl From<ContactCard> for ContactView {
    fn from(c: ContactCard) -> Self {
        let is_colleague = c.is_colleague;
        Self { card: meta_view(c), is_colleague }
    }
}

async fn own_card(state: &AppState, user_id: i64) -> ApiResult<Json<views::ContactCard>> {
    let mut conn = state.db.acquire().await?;
    let card = contacts::card(&mut conn, user_id, user_id).await?.ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(meta_view(card)))
}

#[utoipa::path(get, path = "/current-user/meta/", tag = TAG_COLLEGE, security(("token" = []), ("bearer" = [])),
    responses((status = 200, description = "The signed-in user's contact card", body = views::ContactCard)))]
/// `GET /current-user/meta/`: the signed-in user's contact card.
pub async fn my_card(State(state): State<AppState>, auth: AuthUser) -> ApiResult<Json<views::ContactCard>> {
    own_card(&state, auth.user.id).await
}

/// The editable fields; absent ones are left as they are (`PATCH`) or emptied (`PUT`).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "李华", "position": "科员", "department": "学生处", "mobile": "13812345678", "email": "li@example.edu"}))]
pub struct CardBody {
    name: Option<String>,
    position: Option<String>,
    department: Option<String>,
    qq: Option<String>,
    telephone: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
}

fn validate(b: &CardBody) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    if let Some(name) = &b.name {
        errors.text("name", name, 50);
    }
    errors.optional_text("position", b.position.as_deref(), 100);
    errors.optional_text("department", b.department.as_deref(), 100);
    let digits = |v: &str, extra: &[char]| v.chars().all(|c| c.is_ascii_digit() || extra.contains(&c));
    let qq = b.qq.as_deref().map(str::trim).unwrap_or("");
    errors.check(!qq.is_empty() && !((5..=12).contains(&qq.len()) && digits(qq, &[])), "qq", "must be 5 to 12 digits");
    let tel = b.telephone.as_deref().map(str::trim).unwrap_or("");
    errors.check(tel.len() > 30 || !digits(tel, &['-', '+', ' ', '(', ')']), "telephone", "must be a telephone number (digits, + - ( ) and spaces, at most 30)");
    errors.optional_phone("mobile", b.mobile.as_deref());
    errors.optional_email("email", b.email.as_deref());
    errors.finish()
}

async fn save(state: &AppState, user_id: i64, b: CardBody) -> ApiResult<Json<views::ContactCard>> {
    validate(&b)?;
    let change = CardChange {
        name: b.name,
        position: b.position,
        department: b.department,
        qq: b.qq,
        telephone: b.telephone,
        mobile: b.mobile,
        email: b.email,
    };
    let mut tx = state.db.begin().await?;
    contacts::update(&mut tx, user_id, &change).await?;
    tx.commit().await?;
    state.tokens.forget_all();
    own_card(state, user_id).await
}

#[utoipa::path(patch, path = "/current-user/meta/", tag = TAG_COLLEGE, security(("token" = []), ("bearer" = [])), request_body = CardBody,
    responses((status = 200, description = "The card after the change", body = views::ContactCard)))]
/// `PATCH /current-user/meta/`: changes the fields sent.
pub async fn change_card(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<CardBody>) -> ApiResult<Json<views::ContactCard>> {
    save(&state, auth.user.id, b).await
}

#[utoipa::path(put, path = "/current-user/meta/", tag = TAG_COLLEGE, security(("token" = []), ("bearer" = [])), request_body = CardBody,
    responses((status = 200, description = "The card after the change", body = views::ContactCard)))]
/// `PUT /current-user/meta/`: the whole card; `name` is required, every other field absent is
/// emptied.
pub async fn replace_card(State(state): State<AppState>, auth: AuthUser, ApiJson(b): ApiJson<CardBody>) -> ApiResult<Json<views::ContactCard>> {
    if b.name.is_none() {
        return Err(ApiError::field("name", "is required"));
    }
    let empty = || Some(String::new());
    let whole = CardBody {
        position: b.position.or_else(empty),
        department: b.department.or_else(empty),
        qq: b.qq.or_else(empty),
        telephone: b.telephone.or_else(empty),
        mobile: b.mobile.or_else(empty),
        email: b.email.or_else(empty),
        name: b.name,
    };
    save(&state, auth.user.id, whole).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactQuery {
    /// `yes`: only my colleagues.
    my: Option<String>,
    /// Searches names.
    search: Option<String>,
}

#[utoipa::path(get, path = "/contacts/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])), params(ContactQuery, DrfPageQuery),
    responses((status = 200, description = "One page of contact cards, by name", body = DrfPage<ContactView>)))]
/// `GET /contacts/?my=yes|no&search=`: the book by name, 20 per page.
pub async fn list(
    State(state): State<AppState>,
    auth: Authorized<BookRole>,
    ApiQuery(q): ApiQuery<ContactQuery>,
    page: Pagination,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DrfPage<ContactView>>> {
    let mine = super::yes_no(q.my.as_deref(), "my")?;
    let mut errors = FieldErrors::new();
    errors.optional_text("search", q.search.as_deref(), 100);
    errors.finish()?;
    let mut conn = state.db.acquire().await?;
    let (rows, total) = contacts::list(&mut conn, auth.user().id, mine, q.search.as_deref(), page.limit(), page.offset()).await?;
    Ok(Json(DrfPage::new(rows.into_iter().map(ContactView::from).collect(), total, page, &uri)))
}

async fn colleague(state: &AppState, me: i64, other: i64) -> ApiResult<()> {
    if other == me {
        return Err(ApiError::field("user_id", "is you: a user is not their own colleague"));
    }
    let mut conn = state.db.acquire().await?;
    if !contacts::in_book(&mut conn, other).await? {
        return Err(ApiError::not_found("user"));
    }
    Ok(())
}

#[utoipa::path(post, path = "/friends/{user_id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])),
    params(("user_id" = i64, Path, description = "The colleague's user id")),
    responses((status = 200, description = "The colleague's card", body = ContactView),
        (status = 404, description = "No such user in the contact book", body = ErrorEnvelope),
        (status = 409, description = "`too_many_colleagues`", body = ErrorEnvelope)))]
/// `POST /friends/{userId}/`: adds a colleague (again: no change) and answers with their card.
pub async fn add_friend(State(state): State<AppState>, auth: Authorized<BookRole>, ApiPath(other): ApiPath<i64>) -> ApiResult<Json<ContactView>> {
    let me = auth.user().id;
    colleague(&state, me, other).await?;
    let mut conn = state.db.acquire().await?;
    if contacts::add_colleague(&mut conn, me, other).await? == Added::Full {
        return Err(ApiError::conflict("too_many_colleagues", format!("at most {MAX_COLLEAGUES} colleagues")));
    }
    let card = contacts::card(&mut conn, me, other).await?.ok_or_else(|| ApiError::not_found("user"))?;
    Ok(Json(card.into()))
}

#[utoipa::path(delete, path = "/friends/{user_id}/", tag = TAG_COLLEGE, security(("token" = ["staff", "admin", "counselor"]), ("bearer" = ["staff", "admin", "counselor"])),
    params(("user_id" = i64, Path, description = "The colleague's user id")),
    responses((status = 204, description = "Not (or no longer) a colleague"),
        (status = 404, description = "No such user in the contact book", body = ErrorEnvelope)))]
/// `DELETE /friends/{userId}/`: removes a colleague (one who is not: no change), 204.
pub async fn remove_friend(State(state): State<AppState>, auth: Authorized<BookRole>, ApiPath(other): ApiPath<i64>) -> ApiResult<StatusCode> {
    let me = auth.user().id;
    colleague(&state, me, other).await?;
    let mut conn = state.db.acquire().await?;
    contacts::remove_colleague(&mut conn, me, other).await?;
    Ok(StatusCode::NO_CONTENT)
}
