//! Every status enum (`text_enum!`) is its column's `CHECK` list, value for value and in order:
//! a value added to one side only fails here.

use crate::avatar::FetchStatus;
use crate::college::repairs::RepairStatus;
use crate::college::reservations::{Refusal, RequestStatus, ReservationStatus};
use crate::follow::followers::{FollowerStatus, Source};
use crate::follow::qrcodes::QrcodeStatus;
use crate::hospital::{AppointmentStatus, PaymentStatus, RefundStatus, WaitlistStatus};
use crate::koala::VisitorStatus;
use crate::mail::MailStatus;
use crate::sms::SmsStatus;
use crate::subscribe::{ExchangeStatus, SendStatus};

async fn check_list(pool: &sqlx::PgPool, constraint: &str) -> Vec<String> {
    let def: String = sqlx::query_scalar!("SELECT pg_get_constraintdef(oid) AS \"def!\" FROM pg_constraint WHERE conname = $1", constraint)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("constraint {constraint}: {e}"));
    crate::text_enum::check_list(&def)
}

fn names<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<String> {
    all.iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn each_status_enum_is_its_columns_check_list() {
    let pool = crate::testing::database().await;
    let pairs = [
        ("appointments_status_check", names(AppointmentStatus::ALL)),
        ("appointments_payment_status_check", names(PaymentStatus::ALL)),
        ("waitlist_entries_status_check", names(WaitlistStatus::ALL)),
        ("refunds_status_check", names(RefundStatus::ALL)),
        ("subscribe_sends_status_check", names(SendStatus::ALL)),
        ("wx_code_exchanges_status_check", names(ExchangeStatus::ALL)),
        ("department_qrcodes_status_check", names(QrcodeStatus::ALL)),
        ("wechat_followers_status_check", names(FollowerStatus::ALL)),
        ("wechat_followers_source_check", names(Source::ALL)),
        ("sms_sends_status_check", names(SmsStatus::ALL)),
        ("mail_sends_status_check", names(MailStatus::ALL)),
        ("koala_visitors_status_check", names(VisitorStatus::ALL)),
        ("avatar_fetches_status_check", names(FetchStatus::ALL)),
        ("template_sends_status_check", names(crate::wechat::template_log::TemplateStatus::ALL)),
        ("custom_sends_status_check", names(crate::wechat::custom_log::CustomStatus::ALL)),
        ("notice_mass_sends_status_check", names(crate::notices::mass::MassStatus::ALL)),
        ("notice_mass_sends_format_check", names(crate::notices::mass::MassFormat::ALL)),
        ("visit_applications_status_check", names(crate::visitor::VisitStatus::ALL)),
        ("visit_applications_applicant_check", names(crate::visitor::Applicant::ALL)),
        ("notices_urgency_check", names(crate::notices::send::Urgency::ALL)),
        ("notice_recipients_delivery_check", names(crate::notices::send::Delivery::ALL)),
        ("repairs_status_known", names(RepairStatus::ALL)),
        ("room_reservations_status_known", names(ReservationStatus::ALL)),
        ("reservation_requests_status_known", names(RequestStatus::ALL)),
        ("reservation_requests_refusal_known", names(Refusal::ALL)),
        ("mp_menu_publish_status_check", names(crate::follow::menu::PublishStatus::ALL)),
        ("desk_messages_status_check", names(crate::notices::desk::DeskStatus::ALL)),
        ("desk_messages_kind_check", names(crate::notices::desk::DeskKind::ALL)),
        ("daily_broadcasts_kind_check", names(crate::notices::broadcasts::BroadcastKind::ALL)),
    ];
    for (constraint, values) in pairs {
        assert_eq!(check_list(&pool, constraint).await, values, "{constraint}");
    }
}
