//! Hospitals and departments: lists with search (departments also by hospital), creating one
//! from the form above the list, a hospital's name, and a department's name and follow welcome.
//! Checks and writes are `crate::catalog_admin`'s, the same as `POST /admin/hospitals`,
//! `PATCH /admin/hospitals/{id}`, `POST /admin/departments` and `PATCH /admin/departments/{id}`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yizhan_common::hospital::catalog::{self, Department, DepartmentDetail, Hospital};

use super::form::{CsrfForm, FieldMessages, Fields};
use super::layout::{flash, html, Layout};
use super::list::{id_param, pagination, search_text, Pager};
use super::session::Signed;
use super::PageError;
use crate::catalog_admin::{self, DepartmentPatch, HospitalPatch};
use crate::extract::{AdminOnly, Pagination};
use crate::state::AppState;

const HOSPITALS: &str = "/admin/console/hospitals";
const DEPARTMENTS: &str = "/admin/console/departments";
/// Most hospitals or departments a filter's drop-down offers.
const CHOICES_MAX: i64 = 1000;

/// The hospitals and departments the filters and forms offer, and their names by id.
#[derive(Debug, Default)]
pub struct Choices {
    pub hospitals: Vec<Hospital>,
    pub departments: Vec<Department>,
}

impl Choices {
    pub async fn load(state: &AppState) -> Result<Self, PageError> {
        let mut conn = state.db.acquire().await?;
        let (hospitals, _) = catalog::list_hospitals(&mut conn, None, CHOICES_MAX, 0).await?;
        let (departments, _) = catalog::list_departments(&mut conn, None, None, CHOICES_MAX, 0).await?;
        Ok(Self { hospitals, departments })
    }

    pub fn hospital_names(&self) -> HashMap<i64, String> {
        self.hospitals.iter().map(|h| (h.id, h.name.clone())).collect()
    }

    pub fn department_names(&self) -> HashMap<i64, String> {
        self.departments.iter().map(|d| (d.id, d.name.clone())).collect()
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    #[serde(rename = "hospitalId")]
    hospital_id: Option<String>,
    page: Option<String>,
    #[serde(rename = "pageSize")]
    page_size: Option<String>,
}

impl ListQuery {
    fn page(&self) -> Pagination {
        pagination(self.page.as_deref(), self.page_size.as_deref())
    }
}

#[derive(Template)]
#[template(path = "console/hospitals.html")]
struct HospitalsPage {
    layout: Layout,
    rows: Vec<Hospital>,
    q: String,
    pager: Pager,
    name: String,
    errors: FieldMessages,
}

async fn hospitals_page(state: &AppState, me: &Signed<AdminOnly>, q: &ListQuery, name: String, errors: FieldMessages) -> Result<HospitalsPage, PageError> {
    let search = search_text(q.q.as_deref());
    let page = q.page();
    let mut conn = state.db.acquire().await?;
    let (rows, total) = catalog::list_hospitals(&mut conn, search.as_deref(), page.limit(), page.offset()).await?;
    drop(conn);
    let q = search.unwrap_or_default();
    let pager = Pager::new(HOSPITALS, &[("q", &q)], page, u64::try_from(total).unwrap_or(0));
    let layout = Layout::new(state, &me.session, "hospitals", "医院").await?;
    Ok(HospitalsPage { layout, rows, q, pager, name, errors })
}

pub async fn hospitals(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    Ok(html(&hospitals_page(&state, &me, &q, String::new(), FieldMessages::default()).await?))
}

pub async fn create_hospital(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    match catalog_admin::create_hospital(&state, &f.text("name")).await {
        Ok(_) => {
            flash(&state, &me.session, &format!("已创建医院 {}。", f.text("name"))).await?;
            Ok(Redirect::to(HOSPITALS).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            let q = ListQuery { q: None, hospital_id: None, page: None, page_size: None };
            let page = hospitals_page(&state, &me, &q, f.text("name"), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "console/hospital_form.html")]
struct HospitalForm {
    layout: Layout,
    id: i64,
    name: String,
    errors: FieldMessages,
}

async fn find_hospital(state: &AppState, id: &str) -> Result<Hospital, PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    catalog::hospital(&mut conn, id).await?.ok_or_else(PageError::not_found)
}

pub async fn edit_hospital(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let h = find_hospital(&state, &id).await?;
    let layout = Layout::new(&state, &me.session, "hospitals", format!("医院 {}", h.name)).await?;
    Ok(html(&HospitalForm { layout, id: h.id, name: h.name, errors: FieldMessages::default() }))
}

pub async fn update_hospital(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let h = find_hospital(&state, &id).await?;
    match catalog_admin::update_hospital(&state, h.id, HospitalPatch { name: Some(f.text("name")) }).await {
        Ok(saved) => {
            flash(&state, &me.session, &format!("已保存医院 {}。", saved.name)).await?;
            Ok(Redirect::to(&format!("{HOSPITALS}/{}", saved.id)).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            let layout = Layout::new(&state, &me.session, "hospitals", format!("医院 {}", h.name)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&HospitalForm { layout, id: h.id, name: f.text("name"), errors })).into_response())
        }
    }
}

struct DepartmentRow {
    id: i64,
    name: String,
    hospital: String,
}

#[derive(Template)]
#[template(path = "console/departments.html")]
struct DepartmentsPage {
    layout: Layout,
    rows: Vec<DepartmentRow>,
    q: String,
    hospital_id: Option<i64>,
    hospitals: Vec<Hospital>,
    pager: Pager,
    /// What the create form holds.
    form: Fields,
    errors: FieldMessages,
}

async fn departments_page(state: &AppState, me: &Signed<AdminOnly>, q: &ListQuery, form: Fields, errors: FieldMessages) -> Result<DepartmentsPage, PageError> {
    let search = search_text(q.q.as_deref());
    let hospital_id = id_param(q.hospital_id.as_deref());
    let page = q.page();
    let choices = Choices::load(state).await?;
    let mut conn = state.db.acquire().await?;
    let (rows, total) = catalog::list_departments(&mut conn, hospital_id, search.as_deref(), page.limit(), page.offset()).await?;
    drop(conn);
    let names = choices.hospital_names();
    let rows = rows
        .into_iter()
        .map(|d| DepartmentRow { id: d.id, hospital: d.hospital_id.and_then(|h| names.get(&h).cloned()).unwrap_or_default(), name: d.name })
        .collect();
    let q = search.unwrap_or_default();
    let hospital = hospital_id.map(|h| h.to_string()).unwrap_or_default();
    let pager = Pager::new(DEPARTMENTS, &[("q", &q), ("hospitalId", &hospital)], page, u64::try_from(total).unwrap_or(0));
    let layout = Layout::new(state, &me.session, "departments", "科室").await?;
    Ok(DepartmentsPage { layout, rows, q, hospital_id, hospitals: choices.hospitals, pager, form, errors })
}

pub async fn departments(State(state): State<AppState>, me: Signed<AdminOnly>, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    Ok(html(&departments_page(&state, &me, &q, Fields::default(), FieldMessages::default()).await?))
}

pub async fn create_department(State(state): State<AppState>, me: Signed<AdminOnly>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    // An id that is not a number is an unknown hospital, as the API's domain check says.
    let hospital_id = f.optional("hospitalId").map(|h| h.parse().unwrap_or(0));
    match catalog_admin::create_department(&state, hospital_id, &f.text("name")).await {
        Ok(id) => {
            flash(&state, &me.session, &format!("已创建科室 {}。", f.text("name"))).await?;
            Ok(Redirect::to(&format!("{DEPARTMENTS}/{id}")).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            let q = ListQuery { q: None, hospital_id: None, page: None, page_size: None };
            let page = departments_page(&state, &me, &q, f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "console/department_form.html")]
struct DepartmentForm {
    layout: Layout,
    id: i64,
    hospital: String,
    name: String,
    welcome_text: String,
    page_url: String,
    errors: FieldMessages,
}

async fn find_department(state: &AppState, id: &str) -> Result<(DepartmentDetail, String), PageError> {
    let id: i64 = id.parse().map_err(|_| PageError::not_found())?;
    let mut conn = state.db.acquire().await?;
    let d = catalog::department(&mut conn, id).await?.ok_or_else(PageError::not_found)?;
    drop(conn);
    let hospital = match d.hospital_id {
        Some(h) => Choices::load(state).await?.hospital_names().remove(&h).unwrap_or_default(),
        None => String::new(),
    };
    Ok((d, hospital))
}

pub async fn edit_department(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>) -> Result<Response, PageError> {
    let (d, hospital) = find_department(&state, &id).await?;
    let layout = Layout::new(&state, &me.session, "departments", format!("科室 {}", d.name)).await?;
    Ok(html(&DepartmentForm {
        layout,
        id: d.id,
        hospital,
        name: d.name,
        welcome_text: d.welcome_text.unwrap_or_default(),
        page_url: d.page_url.unwrap_or_default(),
        errors: FieldMessages::default(),
    }))
}

pub async fn update_department(State(state): State<AppState>, me: Signed<AdminOnly>, Path(id): Path<String>, CsrfForm(f): CsrfForm) -> Result<Response, PageError> {
    let (d, hospital) = find_department(&state, &id).await?;
    let patch = DepartmentPatch { name: Some(f.text("name")), welcome_text: Some(f.text("welcomeText")), page_url: Some(f.text("pageUrl")) };
    match catalog_admin::update_department(&state, d.id, patch).await {
        Ok(saved) => {
            flash(&state, &me.session, &format!("已保存科室 {}。", saved.name)).await?;
            Ok(Redirect::to(&format!("{DEPARTMENTS}/{}", saved.id)).into_response())
        }
        Err(err) => {
            let errors = FieldMessages::from_error(err)?;
            let layout = Layout::new(&state, &me.session, "departments", format!("科室 {}", d.name)).await?;
            let form = DepartmentForm { layout, id: d.id, hospital, name: f.text("name"), welcome_text: f.text("welcomeText"), page_url: f.text("pageUrl"), errors };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&form)).into_response())
        }
    }
}
