//! Errors: one enum per concern, each naming the field or the state at fault.
//!
//! None of them carries the offending value itself: a rejected email address or phone number is
//! personal data, and errors end up in logs.

use std::fmt;

use crate::kind::RecordKind;

/// A validated input field, named in [`ValidationError`] so that a caller can point a user at the
/// right box on a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Field {
    /// A person's name ([`PersonName`](crate::PersonName)).
    PersonName,
    /// An organization's name ([`OrganizationName`](crate::OrganizationName)).
    OrganizationName,
    /// A person's job title ([`JobTitle`](crate::JobTitle)).
    JobTitle,
    /// An email address ([`EmailAddress`](crate::EmailAddress)).
    Email,
    /// A phone number ([`PhoneNumber`](crate::PhoneNumber)).
    Phone,
    /// A user name, as owner or actor ([`User`](crate::User)).
    User,
    /// A role of the access policy ([`Role`](crate::access::Role)).
    Role,
    /// A team of the access policy ([`Team`](crate::access::Team)).
    Team,
    /// A free-text note ([`Note`](crate::Note)).
    Note,
    /// A short summary ([`Summary`](crate::Summary)).
    Summary,
    /// A requirement identified during qualification.
    Requirement,
    /// A contract or document reference ([`Reference`](crate::Reference)).
    Reference,
    /// An ISO 4217 currency code.
    Currency,
    /// A money amount.
    Amount,
    /// The budget of a qualification.
    Budget,
    /// The amount of a proposal.
    ProposalAmount,
    /// The value of a signed contract.
    ContractValue,
    /// The decision date of a timeline.
    DecisionDate,
    /// The horizon of a timeline policy, in days.
    Horizon,
    /// A probability, in percent.
    Probability,
    /// The number of days of payment terms.
    PaymentDays,
    /// The number of installments of payment terms.
    Installments,
    /// The requirements of a need (at least one must be identified).
    RequirementList,
    /// When an activity happened.
    OccurredAt,
    /// When an opportunity is expected to close.
    ExpectedClose,
    /// An exchange rate into a reporting currency.
    ExchangeRate,
    /// An organization's industry ([`Industry`](crate::Industry)).
    Industry,
    /// A web domain ([`Domain`](crate::Domain)).
    Domain,
    /// A country code ([`Country`](crate::Country)).
    Country,
    /// A revision of an opportunity ([`Revision`](crate::Revision)): something must change.
    Revision,
    /// The day a proposal was sent.
    SentOn,
    /// The day a contract was signed.
    SignedOn,
    /// The day a timeline was assessed.
    AssessedOn,
    /// When a task is due.
    Due,
    /// A window of a [`DatePolicy`](crate::DatePolicy), in days.
    DateWindow,
    /// A client's key for a request it may retry ([`IdempotencyKey`](crate::idempotency::IdempotencyKey)).
    IdempotencyKey,
    /// The text of a custom field ([`FieldValue::Text`](crate::fields::FieldValue::Text)).
    CustomText,
}

impl Field {
    /// The field's name as a user would read it, e.g. `"email"` or `"decision date"`.
    pub fn name(self) -> &'static str {
        match self {
            Field::PersonName => "person name",
            Field::OrganizationName => "organization name",
            Field::JobTitle => "job title",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::User => "user",
            Field::Role => "role",
            Field::Team => "team",
            Field::Note => "note",
            Field::Summary => "summary",
            Field::Requirement => "requirement",
            Field::Reference => "reference",
            Field::Currency => "currency",
            Field::Amount => "amount",
            Field::Budget => "budget",
            Field::ProposalAmount => "proposal amount",
            Field::ContractValue => "contract value",
            Field::DecisionDate => "decision date",
            Field::Horizon => "horizon",
            Field::Probability => "probability",
            Field::PaymentDays => "payment days",
            Field::Installments => "installments",
            Field::RequirementList => "requirements",
            Field::OccurredAt => "occurred at",
            Field::ExpectedClose => "expected close",
            Field::ExchangeRate => "exchange rate",
            Field::Industry => "industry",
            Field::Domain => "domain",
            Field::Country => "country",
            Field::Revision => "revision",
            Field::SentOn => "sent on",
            Field::SignedOn => "signed on",
            Field::AssessedOn => "assessed on",
            Field::Due => "due",
            Field::DateWindow => "date window",
            Field::IdempotencyKey => "idempotency key",
            Field::CustomText => "custom text",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A value given to a validated constructor was refused.
///
/// Every variant names the [`Field`]; none repeats the value, which may be personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The value is empty or only white space.
    #[error("{field}: must not be empty")]
    Empty {
        /// The field at fault.
        field: Field,
    },
    /// The value is longer than the field allows.
    #[error("{field}: {len} characters, at most {max} allowed")]
    TooLong {
        /// The field at fault.
        field: Field,
        /// The most characters allowed.
        max: usize,
        /// The characters given (after trimming).
        len: usize,
    },
    /// A list holds more items than the field allows (counted in items, not characters).
    #[error("{field}: {len} items, at most {max} allowed")]
    TooMany {
        /// The field at fault.
        field: Field,
        /// The most items allowed.
        max: usize,
        /// The items given.
        len: usize,
    },
    /// The value holds a control character (a line break where none is allowed, a NUL, ...).
    #[error("{field}: control character at position {position}")]
    ControlCharacter {
        /// The field at fault.
        field: Field,
        /// The character's position, counted in characters from 0.
        position: usize,
    },
    /// The value holds a Unicode bidirectional override or isolate, which can make text display
    /// differently from what it is.
    #[error("{field}: bidirectional control character at position {position}")]
    BidiControl {
        /// The field at fault.
        field: Field,
        /// The character's position, counted in characters from 0.
        position: usize,
    },
    /// The value holds an invisible or format character (a zero-width space, a byte order
    /// mark, a soft hyphen, a Hangul filler, a tag character; in names, user ids and references
    /// also zero-width joiners, direction marks and variation selectors), with which two values
    /// could look identical and differ. See `SECURITY.md` for the policy.
    #[error("{field}: invisible or format character at position {position}")]
    InvisibleCharacter {
        /// The field at fault.
        field: Field,
        /// The character's position, counted in characters from 0.
        position: usize,
    },
    /// The value has no visible character: only white space, invisible or format characters and
    /// combining marks.
    #[error("{field}: nothing visible")]
    NothingVisible {
        /// The field at fault.
        field: Field,
    },
    /// The value does not have the form the field requires.
    #[error("{field}: {problem}")]
    Malformed {
        /// The field at fault.
        field: Field,
        /// What is wrong with it, without repeating it.
        problem: &'static str,
    },
    /// A number is outside the range the field allows.
    #[error("{field}: {value} is out of range {min}..={max}")]
    OutOfRange {
        /// The field at fault.
        field: Field,
        /// The number given.
        value: i128,
        /// The least allowed.
        min: i128,
        /// The most allowed.
        max: i128,
    },
    /// An amount of money must be above zero here.
    #[error("{field}: must be above zero")]
    NotPositive {
        /// The field at fault.
        field: Field,
    },
    /// The currency code is not an active ISO 4217 code.
    #[error("{field}: unknown ISO 4217 currency code")]
    UnknownCurrency {
        /// The field at fault.
        field: Field,
    },
    /// A date lies before the day it was assessed on.
    #[error("{field}: {date} is in the past (today is {today})")]
    DateInPast {
        /// The field at fault.
        field: Field,
        /// The date given.
        date: chrono::NaiveDate,
        /// The day it was checked against.
        today: chrono::NaiveDate,
    },
    /// An instant lies after the moment it was checked at (something said to have happened is
    /// still to come).
    #[error("{field}: {at} is after now ({now})")]
    InFuture {
        /// The field at fault.
        field: Field,
        /// The instant given.
        at: chrono::DateTime<chrono::Utc>,
        /// The moment it was checked at.
        now: chrono::DateTime<chrono::Utc>,
    },
    /// A date lies outside the window a [`DatePolicy`](crate::DatePolicy) gives that kind of
    /// date, on the day it was entered (and, for a step on a record, after the record's own
    /// start).
    #[error("{field}: {date} is outside the dates allowed today, {earliest} to {latest}")]
    OutOfWindow {
        /// The field at fault.
        field: Field,
        /// The date given.
        date: chrono::NaiveDate,
        /// The earliest date allowed.
        earliest: chrono::NaiveDate,
        /// The latest date allowed.
        latest: chrono::NaiveDate,
    },
    /// An amount is in another currency than the deal it is for: a deal keeps one currency
    /// from qualification to close.
    #[error(
        "{field}: in {found}, but the deal is in {expected}; a deal keeps one currency (lose it \
         and qualify a new lead to change currency)"
    )]
    CurrencyMismatch {
        /// The field at fault.
        field: Field,
        /// The deal's currency (an ISO 4217 code).
        expected: &'static str,
        /// The currency given.
        found: &'static str,
    },
    /// A new deal in a currency ISO 4217 has withdrawn.
    #[error(
        "{field}: {currency} was withdrawn on {since}; a new deal must be in a current currency"
    )]
    WithdrawnCurrency {
        /// The field at fault.
        field: Field,
        /// The withdrawn currency (an ISO 4217 code).
        currency: &'static str,
        /// The day it was withdrawn.
        since: chrono::NaiveDate,
    },
    /// A date lies beyond the horizon set by a policy.
    #[error("{field}: {date} is beyond the horizon of {horizon_days} days from {today}")]
    BeyondHorizon {
        /// The field at fault.
        field: Field,
        /// The date given.
        date: chrono::NaiveDate,
        /// The day it was checked against.
        today: chrono::NaiveDate,
        /// The policy's horizon.
        horizon_days: u32,
    },
}

impl ValidationError {
    /// The field at fault.
    pub fn field(&self) -> Field {
        match self {
            ValidationError::Empty { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::TooMany { field, .. }
            | ValidationError::OutOfWindow { field, .. }
            | ValidationError::CurrencyMismatch { field, .. }
            | ValidationError::WithdrawnCurrency { field, .. }
            | ValidationError::ControlCharacter { field, .. }
            | ValidationError::BidiControl { field, .. }
            | ValidationError::InvisibleCharacter { field, .. }
            | ValidationError::NothingVisible { field }
            | ValidationError::Malformed { field, .. }
            | ValidationError::OutOfRange { field, .. }
            | ValidationError::NotPositive { field }
            | ValidationError::UnknownCurrency { field }
            | ValidationError::DateInPast { field, .. }
            | ValidationError::InFuture { field, .. }
            | ValidationError::BeyondHorizon { field, .. } => *field,
        }
    }
}

/// A record read back from storage (or any serialised form) breaks an invariant of its type,
/// and was refused.
///
/// The typed constructors can never produce such a record; this error means the stored data was
/// corrupted or forged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The history is empty: every lead and opportunity has at least its opening entry.
    #[error("{record}: the history is empty")]
    EmptyHistory {
        /// The kind of record.
        record: RecordKind,
    },
    /// A history entry does not start where the previous one ended.
    #[error(
        "{record}: history entry {index} starts from `{from}` but the previous entry ended in `{previous}`"
    )]
    BrokenHistory {
        /// The kind of record.
        record: RecordKind,
        /// The entry's position, from 0.
        index: usize,
        /// Where the entry starts (`start` for none).
        from: &'static str,
        /// Where the previous entry ended (`start` for none).
        previous: &'static str,
    },
    /// A history entry is not a transition the types allow, or carries the wrong evidence.
    #[error(
        "{record}: history entry {index} (`{from}` to `{to}` with evidence `{evidence}`) is not a legal transition"
    )]
    IllegalTransition {
        /// The kind of record.
        record: RecordKind,
        /// The entry's position, from 0.
        index: usize,
        /// Where the entry starts (`start` for none).
        from: &'static str,
        /// Where it ends.
        to: &'static str,
        /// The kind of evidence it carries.
        evidence: &'static str,
    },
    /// A history entry is dated before the one preceding it.
    #[error("{record}: history entry {index} is dated before the entry preceding it")]
    HistoryOutOfOrder {
        /// The kind of record.
        record: RecordKind,
        /// The entry's position, from 0.
        index: usize,
    },
    /// The record's state is not the state its history ends in.
    #[error("{record}: the state is `{state}` but the history ends in `{last}`")]
    StateMismatch {
        /// The kind of record.
        record: RecordKind,
        /// The state the record claims.
        state: &'static str,
        /// The state its history ends in.
        last: &'static str,
    },
    /// The record is in another state than the typed value being read expects.
    #[error("{record}: expected state `{expected}`, found `{found}`")]
    WrongState {
        /// The kind of record.
        record: RecordKind,
        /// The state the type requires.
        expected: &'static str,
        /// The state the record is in.
        found: &'static str,
    },
    /// The record's custom fields are inconsistent: their edits out of order or not leading to
    /// their values, or personal values left in an erased record.
    #[error("{record}: custom fields: {problem}")]
    Custom {
        /// The kind of record.
        record: RecordKind,
        /// What is wrong.
        problem: String,
    },
    /// A field breaks an invariant of the record.
    #[error("{record}: {field}: {problem}")]
    Invariant {
        /// The kind of record.
        record: RecordKind,
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
}
