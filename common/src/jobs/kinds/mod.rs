//! Job kinds, one per file. Each is registered in [`super::registry()`].

mod create_department_qrcode;
mod create_koala_visitor;
mod decide_reservation;
mod exchange_wx_code;
mod fenced_probe;
mod noop;
mod plan_visit_reminders;
mod probe;
mod promote_waitlists;
mod publish_menu;
mod refund_payment;
mod send_subscribe_message;
mod send_sms;
mod send_template_message;
mod send_email;
mod store_avatar;

pub use create_department_qrcode::CreateDepartmentQrCode;
pub use create_koala_visitor::CreateKoalaVisitor;
pub use decide_reservation::DecideReservation;
pub use exchange_wx_code::ExchangeWxCode;
pub use fenced_probe::FencedProbe;
pub use noop::Noop;
pub use plan_visit_reminders::PlanVisitReminders;
pub use probe::{Probe, ProbeStep};
pub use promote_waitlists::PromoteWaitlists;
pub use publish_menu::PublishMenu;
pub use refund_payment::RefundPayment;
pub use send_email::SendEmail;
pub use send_sms::SendSms;
pub use send_subscribe_message::SendSubscribeMessage;
pub use send_template_message::SendTemplateMessage;
pub use store_avatar::StoreAvatar;
