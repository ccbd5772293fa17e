//! Console forms: the posted fields, the CSRF check every POST passes first, and per-field
//! errors (the JSON API's validation messages, shown in Chinese).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use subtle::ConstantTimeEq;
use yizhan_common::users::Session;

use super::layout::local_minute;
use super::session::current;
use super::PageError;
use crate::error::ApiError;
use crate::state::AppState;

/// The fields of an `application/x-www-form-urlencoded` body, in order (a name may repeat).
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    /// A form filled with stored values (an edit page before anything is posted).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// The first value of `name`, trimmed ("" when absent).
    pub fn text(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
    }

    /// The first value of `name` as posted, untrimmed (passwords).
    pub fn raw(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// The value of `name`, `None` when absent or blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|v| !v.is_empty())
    }

    /// Every value of `name` (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The user went through the confirmation step of a destructive action.
    pub fn confirmed(&self) -> bool {
        self.text("confirmed") == "1"
    }
}

/// A POSTed form whose `csrf` field equals the signed-in session's token; otherwise 403 and the
/// handler never runs. Take it last, after `Signed<R>` (which finds the session).
#[derive(Debug)]
pub struct CsrfForm(pub Fields);

impl FromRequest<AppState> for CsrfForm {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (session, req) = signed(req, state).await?;
        let bytes = Bytes::from_request(req, state).await.map_err(|_| PageError::csrf())?;
        let fields = Fields::parse(&bytes);
        check_token(&fields.text("csrf"), &session)?;
        Ok(Self(fields))
    }
}

/// A POSTed `multipart/form-data` form (a file upload) whose first part is `csrf`, equal to the
/// signed-in session's token; otherwise 403 before any other part is read (no file reaches
/// storage). The handler reads the parts after it. Take it last, after `Signed<R>`.
pub struct CsrfMultipart(pub Multipart);

/// The longest `csrf` part read.
const MAX_TOKEN_BYTES: usize = 256;

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (session, req) = signed(req, state).await?;
        let mut form = Multipart::from_request(req, state).await.map_err(|_| PageError::csrf())?;
        check_token(&first_token(&mut form).await, &session)?;
        Ok(Self(form))
    }
}

/// The value of the form's first part when it is `csrf` ("" otherwise).
async fn first_token(form: &mut Multipart) -> String {
    let Ok(Some(mut field)) = form.next_field().await else { return String::new() };
    if field.name() != Some("csrf") {
        return String::new();
    }
    let mut bytes = Vec::new();
    while let Ok(Some(chunk)) = field.chunk().await {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TOKEN_BYTES {
            return String::new();
        }
    }
    String::from_utf8(bytes).map(|t| t.trim().to_owned()).unwrap_or_default()
}

/// The session of a form's request (none: to the sign-in page), and the request, body unread.
async fn signed(req: Request, state: &AppState) -> Result<(Session, Request), PageError> {
    let (mut parts, body) = req.into_parts();
    let Some(session) = current(&mut parts, state).await? else {
        return Err(PageError::SignIn { next: String::new() });
    };
    Ok((session, Request::from_parts(parts, body)))
}

/// 403 (logged) unless `posted` is the session's CSRF token.
fn check_token(posted: &str, session: &Session) -> Result<(), PageError> {
    if tokens_match(posted, &session.csrf_token) {
        return Ok(());
    }
    tracing::warn!(user.id = session.user.id, "console form refused: CSRF token mismatch");
    Err(PageError::csrf())
}

/// Constant-time comparison of a posted token with the expected one (empty never matches).
pub fn tokens_match(posted: &str, expected: &str) -> bool {
    !expected.is_empty() && posted.as_bytes().ct_eq(expected.as_bytes()).into()
}

/// Messages per form field, in Chinese.
#[derive(Debug, Default)]
pub struct FieldMessages(BTreeMap<String, String>);

impl FieldMessages {
    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages of `prefix` and of the fields under it (`vote` → `vote.options[1]`), each
    /// with the field it names.
    pub fn under(&self, prefix: &str) -> Vec<(&str, &str)> {
        let under = |k: &str| k == prefix || k.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(['.', '[']));
        self.0.iter().filter(|(k, _)| under(k)).map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    /// Adds a message (a check only the form makes).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.insert(field.to_owned(), message.into());
    }

    /// One message on one field (a check only the form makes, such as a date it cannot read).
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        Self(BTreeMap::from([(field.to_owned(), message.into())]))
    }

    /// The per-field messages of a 422, and a taken name (409) as a message on its field (a room
    /// taken names the period in the way); `Err` with any other error, for the error page.
    pub fn from_error(err: ApiError) -> Result<Self, ApiError> {
        const TAKEN: &[(&str, &str, &str)] = &[
            ("username_taken", "username", "用户名已被占用"),
            ("hospital_taken", "name", "已有同名医院"),
            ("department_taken", "name", "该医院已有同名科室"),
            ("schedule_taken", "period", "该科室在这一天已有同名时段的号源"),
            ("room_exists", "name", "该位置已有同名会议室"),
            ("room_taken", "reserve_from", "该会议室在这段时间已有其他预约"),
            ("category_exists", "name", "已有同名分类，或分类数量已达上限"),
            ("recipient_exists", "email", "该邮箱已在通知列表中"),
            ("too_many_recipients", "email", "通知邮箱数量已达上限"),
            ("label_exists", "label", "该活动已有同名打卡项"),
        ];
        if let Some((_, field, message)) = TAKEN.iter().find(|(code, _, _)| *code == err.code()) {
            let message = match err.conflict_period() {
                Some(p) => format!("{message}（{} 至 {}）", local_minute(p.reserve_from), local_minute(p.reserve_to)),
                None => (*message).to_owned(),
            };
            return Ok(Self::one(field, message));
        }
        if err.fields().is_empty() {
            return Err(err);
        }
        Ok(Self(err.fields().iter().map(|(k, v)| (k.clone(), chinese(v))).collect()))
    }
}

/// The validation messages of the JSON API in Chinese (any other message is shown as it is).
pub(crate) fn chinese(message: &str) -> String {
    const SAME: &[(&str, &str)] = &[
        ("is required", "必填"),
        ("must name at least one, each of them yours", "至少选择一个，且须是你负责的"),
        ("must not contain NUL characters", "不能包含 NUL 字符"),
        ("may contain only letters, digits and @ . + - _", "只能包含字母、数字和 @ . + - _"),
        ("must be 8 to 256 characters", "长度须为 8 到 256 个字符"),
        ("must be a phone number of 5 to 20 digits", "须为 5 到 20 位的电话号码"),
        ("must be an e-mail address", "须为有效的电子邮件地址"),
        ("must name at least one role", "至少选择一个角色"),
        ("an admin cannot remove their own admin role", "不能取消自己的管理员角色"),
        ("an admin cannot deactivate themselves", "不能停用自己的账号"),
        ("must be a date like 2026-12-01", "须为日期，如 2026-12-01"),
        ("must be a time like 08:00", "须为时间，如 08:00"),
        ("must be a time like 12:00", "须为时间，如 12:00"),
        ("must be after startTime", "须晚于开始时间"),
        ("must be from 1 to 10000", "须为 1 到 10000 之间的整数"),
        ("must be a non-negative amount with at most two decimals", "须为不小于 0、最多两位小数的金额"),
        ("cannot change once the schedule has appointments or a waitlist", "已有预约或候补，不能修改"),
        ("no such hospital", "医院不存在"),
        ("no such department", "科室不存在"),
        ("the department does not belong to that hospital", "该科室不属于所选医院"),
        ("must be an http(s) URL", "须为 http(s) 链接"),
        ("must be `exact`, `contains`, `regex` or `fallback`", "须为“精确”“包含”“正则”或“兜底”"),
        ("is too large once compiled", "正则表达式过于复杂"),
        ("must be a date and time like 2027-03-01T09:00", "须为日期时间，如 2027-03-01 09:00"),
        ("at most 20 labels", "最多 20 个标签"),
        ("each label is 1 to 30 characters", "每个标签 1 到 30 个字符"),
        ("must be after time_from", "须晚于开始时间"),
        ("must be after reserve_from", "须晚于开始时间"),
        ("a reservation is at most 24 hours", "一次预约最长 24 小时"),
        ("is in the past", "已经过去"),
        ("at most 365 days ahead", "最多提前 365 天"),
        ("no bookable meeting room has this id", "会议室不存在或已归档"),
        ("must be pending, in_progress or resolved", "须为待处理、处理中或已解决"),
        ("names a category that does not exist", "包含不存在的分类"),
        ("no such category", "分类不存在"),
        ("no such class among yours", "你负责的班级中没有这个班级"),
        ("no such counselor", "辅导员不存在"),
        ("must be a user with the counselor role", "须为有辅导员角色的用户"),
        ("must be a mainland China mobile number", "须为中国大陆手机号"),
        ("must be 1 to 32 letters, digits, `-` or `_`", "须为 1 到 32 位字母、数字、- 或 _"),
        ("must be in the future, at most a year ahead", "须在将来，最多一年以内"),
        ("must be between 1 and the number of options", "须在 1 到选项数之间"),
        ("repeats an earlier option", "与前面的选项重复"),
        ("at most 200 categories", "最多选择 200 个分类"),
        ("is given more than once", "重复提交"),
        ("is not a field of this form (file, title, category)", "不是本表单的字段"),
        ("the form is larger than the upload limit", "表单超过上传大小限制"),
        ("must be UTF-8 text", "须为 UTF-8 文本"),
        (
            "must be a PDF, Word, Excel or PowerPoint document (without macros) or a JPEG, PNG, GIF or WebP image",
            "须为 PDF、Word、Excel 或 PowerPoint 文档（不含宏），或 JPEG、PNG、GIF、WebP 图片",
        ),
    ];
    if let Some((_, zh)) = SAME.iter().find(|(en, _)| *en == message) {
        return (*zh).to_owned();
    }
    if let Some(detail) = message.strip_prefix("is not a valid regular expression: ") {
        return format!("不是有效的正则表达式：{detail}");
    }
    if let Some(n) = message.strip_prefix("must be at most ").and_then(|m| m.strip_suffix(" characters")) {
        return format!("最多 {n} 个字符");
    }
    if let Some(n) = message.strip_prefix("must be at most ").and_then(|m| m.strip_suffix(" bytes")) {
        return format!("最大 {n} 字节");
    }
    if let Some(n) = message.strip_prefix("cannot be below the ").and_then(|m| m.strip_suffix(" places already booked")) {
        return format!("不能少于已预约的 {n} 个号源");
    }
    if let Some(n) = message.strip_prefix("the range is at most ").and_then(|m| m.strip_suffix(" days")) {
        return format!("时间范围最多 {n} 天");
    }
    if let Some(role) = message.strip_prefix("unknown role ") {
        return format!("未知角色 {role}");
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_exactly() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abd", "abc"));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match("ab", "abc"));
    }

    #[test]
    fn fields_keep_repeated_names() {
        let f = Fields::parse(b"roles=admin&roles=staff&name=+%E5%BC%A0+&confirmed=1");
        assert_eq!(f.all("roles"), ["admin", "staff"]);
        assert_eq!(f.text("name"), "张");
        assert!(f.confirmed() && f.optional("phone").is_none());
    }

    #[test]
    fn messages_read_in_chinese() {
        assert_eq!(chinese("must be at most 100 characters"), "最多 100 个字符");
        assert_eq!(chinese("is required"), "必填");
        assert_eq!(chinese("cannot be below the 3 places already booked"), "不能少于已预约的 3 个号源");
        assert_eq!(chinese("something new"), "something new");
    }
}
