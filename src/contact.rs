//! Contacts: who the business has met, and how to reach them.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::context::Context;
use crate::error::{Field, ValidationError};
use crate::id::ContactId;
use crate::text::{JobTitle, Kind, OrganizationName, PersonName, User, clean};

/// Email addresses and phone numbers identify a person: one line, no invisible characters.
const IDENTITY: Kind = Kind {
    multiline: false,
    identity: true,
    legacy: false,
};

/// A validated email address.
///
/// Accepted: `local@domain` with one `@`, a local part of at most 64 characters from the
/// RFC 5322 "atext" set and dots (not first, last or doubled), and a domain of at least two
/// labels of letters, digits and hyphens, at most 254 characters in all. Surrounding white space
/// is trimmed.
///
/// **Internationalised addresses**: refused, with an error that says so. A domain in Unicode
/// must be given in its ASCII (`xn--`) form; a non-ASCII local part (RFC 6531) is not accepted,
/// since many mail systems cannot deliver to it. Quoted local parts and IP-address domains are
/// refused too.
///
/// Two addresses are equal when their [normalised](EmailAddress::normalized) forms are: matching
/// ignores case, as duplicate detection needs.
///
/// `Debug` and `Display` show only the first character of the local part and the domain
/// (`a***@example.com`): the full address is personal data and must not end up in logs. Use
/// [`as_str`](EmailAddress::as_str) to send mail.
///
/// ```
/// use prospect::EmailAddress;
/// let email = EmailAddress::new("  Ada.Lovelace@Example.COM ")?;
/// assert_eq!(email.as_str(), "Ada.Lovelace@Example.COM");
/// assert_eq!(email.normalized(), "ada.lovelace@example.com");
/// assert_eq!(email.to_string(), "A***@Example.COM");
/// assert!(EmailAddress::new("no-at-sign").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct EmailAddress(Arc<str>);

impl EmailAddress {
    /// The longest address accepted, in characters.
    pub const MAX_CHARS: usize = 254;

    /// Validates `address`.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for [`Field::Email`] saying what is wrong, without repeating the
    /// address.
    pub fn new(address: impl AsRef<str>) -> Result<EmailAddress, ValidationError> {
        let text = clean(Field::Email, address.as_ref(), Self::MAX_CHARS, IDENTITY)?;
        if !is_plain_address(text) {
            address_problem(text).map_err(|problem| ValidationError::Malformed {
                field: Field::Email,
                problem,
            })?;
        }
        Ok(EmailAddress(text.into()))
    }

    /// The address as given (trimmed). This is personal data: do not log it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form used for matching duplicates: lowercase.
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// The domain, after the `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, d)| d)
    }

    fn redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.0.chars().next().unwrap_or('?');
        write!(f, "{first}***@{}", self.domain())
    }
}

/// Whether `text` (cleaned) is an address [`EmailAddress`] accepts, from a table of byte classes
/// and a look at each part's ends: the quick check for the common case. Accepts exactly what
/// [`address_problem`] accepts (property tests hold them to it), which is consulted only to name
/// the error.
fn is_plain_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let (local, domain) = (local.as_bytes(), domain.as_bytes());
    // The local part: "atext" and dots, no dot first, last or after another.
    let local_ok = (1..=64).contains(&local.len())
        && local.iter().all(|&b| class(b) & LOCAL != 0)
        && local.first() != Some(&b'.')
        && local.last() != Some(&b'.')
        && !local.windows(2).any(|pair| pair == b"..");
    if !local_ok {
        return false;
    }
    // The domain: two labels or more, of 1 to 63 letters, digits and inner hyphens; the last
    // not all digits. (A second `@` is not a label character.)
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in domain.split(|&b| b == b'.') {
        let label_ok = (1..=63).contains(&label.len())
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
            && label.iter().all(|&b| class(b) & LABEL != 0);
        if !label_ok {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && !last.iter().all(u8::is_ascii_digit)
}

/// The byte classes of [`is_plain_address`]: allowed in a local part ("atext" or a dot).
const LOCAL: u8 = 1;
/// Allowed in a domain label (a letter, a digit or a hyphen).
const LABEL: u8 = 2;
/// The class bits of each byte.
const CLASSES: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut i = 0;
    while i < classes.len() {
        let b = i as u8;
        if is_atext(b) || b == b'.' {
            classes[i] |= LOCAL;
        }
        if b.is_ascii_alphanumeric() || b == b'-' {
            classes[i] |= LABEL;
        }
        i += 1;
    }
    classes
};

fn class(b: u8) -> u8 {
    CLASSES[usize::from(b)]
}

/// A letter, digit or one of the specials that RFC 5322 allows unquoted in a local part.
const fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        )
}

/// What is wrong with `text` (cleaned) as an email address, checked rule by rule so that the
/// error names the first rule broken.
fn address_problem(text: &str) -> Result<(), &'static str> {
    if !text.is_ascii() {
        return Err(
            "internationalised addresses are not accepted: give the domain in its ASCII \
             (xn--) form; non-ASCII local parts are refused",
        );
    }
    if text.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err("must not contain spaces");
    }
    let Some((local, domain)) = text.split_once('@') else {
        return Err("missing @");
    };
    if domain.contains('@') {
        return Err("more than one @");
    }
    if local.is_empty() {
        return Err("missing the part before @");
    }
    if local.len() > 64 {
        return Err("the part before @ is longer than 64 characters");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("the part before @ has a misplaced dot");
    }
    if !local.bytes().all(|b| is_atext(b) || b == b'.') {
        return Err("the part before @ has a character that is not allowed");
    }
    if domain.is_empty() {
        return Err("missing the domain after @");
    }
    if domain.ends_with('.') {
        return Err("the domain must not end with a dot");
    }
    let mut labels = 0;
    let mut last = "";
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("the domain has an empty label");
        }
        if label.len() > 63 {
            return Err("a domain label is longer than 63 characters");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a domain label starts or ends with a hyphen");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err("the domain has a character that is not allowed");
        }
        labels += 1;
        last = label;
    }
    if labels < 2 {
        return Err("the domain needs a dot, e.g. example.com");
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err("IP-address domains are not accepted");
    }
    Ok(())
}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for EmailAddress {}

impl Hash for EmailAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Lowercased a block at a time, so that the hasher takes a few words rather than every
        // byte on its own. Equal addresses have equal lengths, so they are cut the same way.
        let mut buffer = [0u8; 32];
        for chunk in self.0.as_bytes().chunks(buffer.len()) {
            let block = &mut buffer[..chunk.len()];
            block.copy_from_slice(chunk);
            block.make_ascii_lowercase();
            state.write(block);
        }
        state.write_u8(0xff);
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(")?;
        self.redacted(f)?;
        f.write_str(")")
    }
}

impl fmt::Display for EmailAddress {
    /// The redacted form, `a***@example.com`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.redacted(f)
    }
}

impl std::str::FromStr for EmailAddress {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        EmailAddress::new(s)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        EmailAddress::new(raw).map_err(serde::de::Error::custom)
    }
}

/// A validated phone number: 7 to 15 digits (the E.164 maximum), with an optional leading `+`
/// and the usual separators (spaces, `-`, `.`, parentheses). Letters are refused.
///
/// Two numbers are equal when their [normalised](PhoneNumber::normalized) forms are.
/// `Debug` and `Display` show only the last two digits (`***78`).
///
/// ```
/// use prospect::PhoneNumber;
/// let phone = PhoneNumber::new("+33 (0)1 23 45 67 78")?;
/// assert_eq!(phone.normalized(), "+330123456778");
/// assert_eq!(phone.to_string(), "***78");
/// assert!(PhoneNumber::new("1-800-FLOWERS").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PhoneNumber(Arc<str>);

impl PhoneNumber {
    /// The longest number accepted, in characters, separators included.
    pub const MAX_CHARS: usize = 40;

    /// Validates `number`.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for [`Field::Phone`] saying what is wrong, without repeating the
    /// number.
    pub fn new(number: impl AsRef<str>) -> Result<PhoneNumber, ValidationError> {
        let text = clean(Field::Phone, number.as_ref(), Self::MAX_CHARS, IDENTITY)?;
        let bad = |problem| {
            Err(ValidationError::Malformed {
                field: Field::Phone,
                problem,
            })
        };
        let mut digits = 0;
        for (i, c) in text.chars().enumerate() {
            match c {
                '0'..='9' => digits += 1,
                '+' if i == 0 => {}
                '+' => return bad("+ is only allowed first"),
                ' ' | '-' | '.' | '(' | ')' => {}
                c if c.is_alphabetic() => return bad("letters are not allowed"),
                _ => return bad("only digits, a leading +, spaces, -, . and parentheses"),
            }
        }
        if digits < 7 {
            return bad("too few digits (at least 7)");
        }
        if digits > 15 {
            return bad("too many digits (at most 15)");
        }
        Ok(PhoneNumber(text.into()))
    }

    /// The number as given (trimmed). This is personal data: do not log it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits, with a leading `+` if one was given.
    pub fn normalized(&self) -> String {
        self.0
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect()
    }

    fn redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits: Vec<char> = self.0.chars().filter(char::is_ascii_digit).collect();
        let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
        write!(f, "***{tail}")
    }
}

impl PartialEq for PhoneNumber {
    fn eq(&self, other: &Self) -> bool {
        self.normalized() == other.normalized()
    }
}

impl Eq for PhoneNumber {}

impl Hash for PhoneNumber {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber(")?;
        self.redacted(f)?;
        f.write_str(")")
    }
}

impl fmt::Display for PhoneNumber {
    /// The redacted form, `***78`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.redacted(f)
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        PhoneNumber::new(s)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        PhoneNumber::new(raw).map_err(serde::de::Error::custom)
    }
}

/// A person, possibly working for an organization. Every field is validated by its type, so the
/// fields are public.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Their name.
    pub name: PersonName,
    /// Their job title, if known.
    pub job_title: Option<JobTitle>,
    /// The organization they work for, if any.
    pub organization: Option<OrganizationName>,
}

/// An organization, met as such (a company's generic address, a purchasing department).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Its name.
    pub name: OrganizationName,
}

/// Who a contact is: a person or an organization.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Party {
    /// A person.
    Person(Person),
    /// An organization.
    Organization(Organization),
}

impl Party {
    /// A person with only a name.
    pub fn person(name: PersonName) -> Party {
        Party::Person(Person {
            name,
            job_title: None,
            organization: None,
        })
    }

    /// A person working as `job_title` at `organization`.
    pub fn employee(
        name: PersonName,
        job_title: JobTitle,
        organization: OrganizationName,
    ) -> Party {
        Party::Person(Person {
            name,
            job_title: Some(job_title),
            organization: Some(organization),
        })
    }

    /// An organization.
    pub fn organization(name: OrganizationName) -> Party {
        Party::Organization(Organization { name })
    }

    /// The person's or the organization's name.
    pub fn name(&self) -> &str {
        match self {
            Party::Person(p) => p.name.as_str(),
            Party::Organization(o) => o.name.as_str(),
        }
    }

    /// The organization: the party itself, or the one the person works for.
    pub fn organization_name(&self) -> Option<&OrganizationName> {
        match self {
            Party::Person(p) => p.organization.as_ref(),
            Party::Organization(o) => Some(&o.name),
        }
    }
}

/// Where a contact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LeadSource {
    /// The website: a form, a chat, a download.
    Web,
    /// A customer or acquaintance referred them.
    Referral,
    /// A trade show, conference or meetup.
    Event,
    /// The sales team reached out first.
    Outbound,
    /// A reseller or partner.
    Partner,
    /// A marketing campaign.
    Campaign,
    /// Anything else.
    Other,
}

impl LeadSource {
    /// Every source, in declaration order.
    pub const ALL: [LeadSource; 7] = [
        LeadSource::Web,
        LeadSource::Referral,
        LeadSource::Event,
        LeadSource::Outbound,
        LeadSource::Partner,
        LeadSource::Campaign,
        LeadSource::Other,
    ];

    /// The lowercase name, as serialised: `"web"`, `"referral"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            LeadSource::Web => "web",
            LeadSource::Referral => "referral",
            LeadSource::Event => "event",
            LeadSource::Outbound => "outbound",
            LeadSource::Partner => "partner",
            LeadSource::Campaign => "campaign",
            LeadSource::Other => "other",
        }
    }
}

impl fmt::Display for LeadSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What is known about a contact when it is created. Every field is validated by its type, so
/// the fields are public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDetails {
    /// Who they are.
    pub party: Party,
    /// Their email address, if known.
    pub email: Option<EmailAddress>,
    /// Their phone number, if known.
    pub phone: Option<PhoneNumber>,
    /// Where they came from.
    pub source: LeadSource,
    /// The user who owns the relationship, if any.
    pub owner: Option<User>,
}

impl ContactDetails {
    /// `details` without personal data: the party's name replaced by [`ERASED`](crate::ERASED), no job title,
    /// organization, email or phone; the source and owner kept.
    fn tombstone(details: &ContactDetails) -> ContactDetails {
        let party = match &details.party {
            Party::Person(_) => Party::person(PersonName::erased()),
            Party::Organization(_) => Party::organization(OrganizationName::erased()),
        };
        ContactDetails {
            party,
            email: None,
            phone: None,
            source: details.source,
            owner: details.owner.clone(),
        }
    }

    /// Details with only a party and a source.
    pub fn new(party: Party, source: LeadSource) -> ContactDetails {
        ContactDetails {
            party,
            email: None,
            phone: None,
            source,
            owner: None,
        }
    }

    /// The same details with an email address.
    pub fn with_email(self, email: EmailAddress) -> ContactDetails {
        ContactDetails {
            email: Some(email),
            ..self
        }
    }

    /// The same details with a phone number.
    pub fn with_phone(self, phone: PhoneNumber) -> ContactDetails {
        ContactDetails {
            phone: Some(phone),
            ..self
        }
    }

    /// The same details with an owner.
    pub fn with_owner(self, owner: User) -> ContactDetails {
        ContactDetails {
            owner: Some(owner),
            ..self
        }
    }
}

/// A person or organization the business has met: the top of the funnel.
///
/// A contact stays on record whatever happens to its leads, and may have several leads over
/// time.
///
/// ```
/// use prospect::{Contact, ContactDetails, Context, EmailAddress, LeadSource, Party, PersonName, User};
/// let ctx = Context::system(User::new("alice")?);
/// let details = ContactDetails::new(Party::person(PersonName::new("Ada Lovelace")?), LeadSource::Event)
///     .with_email(EmailAddress::new("ada@example.com")?);
/// let contact = Contact::create(details, &ctx);
/// assert_eq!(contact.party().name(), "Ada Lovelace");
/// assert_eq!(contact.created_by().as_str(), "alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Contact {
    data: Arc<data::Contact>,
}

mod data {
    use super::*;

    /// The contact itself, shared between the copies of a [`super::Contact`].
    #[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Contact {
        /// Zero-sized: the stored form's `"format"` field.
        #[serde(default)]
        pub(super) format: crate::format::Format,
        pub(super) id: ContactId,
        pub(super) details: ContactDetails,
        pub(super) created_at: DateTime<Utc>,
        pub(super) created_by: User,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// Boxed: rare, and 32 bytes in every contact otherwise.
        pub(super) erased: Option<Box<Erasure>>,
    }
}

/// When and by whom a contact's personal data was erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Erasure {
    /// When.
    pub at: DateTime<Utc>,
    /// By whom.
    pub by: User,
}

impl<'de> Deserialize<'de> for Contact {
    /// Reads a contact, refusing an erased one that still holds personal data.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let reading = crate::format::ReadingRecord::start();
        let contact = Contact {
            data: Arc::new(data::Contact::deserialize(d)?),
        };
        let format = reading
            .finish(crate::kind::RecordKind::Contact)
            .map_err(serde::de::Error::custom)?;
        contact
            .check(format >= 1)
            .map_err(serde::de::Error::custom)?;
        Ok(contact)
    }
}

impl fmt::Debug for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.data, f)
    }
}

impl Contact {
    /// Records a new contact, with a new id, now, by the context's actor.
    pub fn create(details: ContactDetails, ctx: &Context<'_>) -> Contact {
        Contact {
            data: Arc::new(data::Contact {
                format: crate::format::Format,
                id: ContactId::generate(ctx.ids()),
                details,
                created_at: ctx.now(),
                created_by: ctx.actor().clone(),
                erased: None,
            }),
        }
    }

    /// The same contact with its personal data erased (the right to erasure): the party's name
    /// becomes [`ERASED`](crate::ERASED), its job title and organization, its email address and its phone
    /// number go; its id, source, owner and creation stay, so that its leads, opportunities and
    /// the funnel are unchanged. An erased contact is no longer found by email. To erase a
    /// contact with the free text of its leads and opportunities, in one commit, use
    /// [`Crm::erase_contact`](crate::Crm::erase_contact). Erasing an erased contact keeps its
    /// first erasure.
    pub fn erase(&self, ctx: &Context<'_>) -> Contact {
        Contact {
            data: Arc::new(data::Contact {
                format: crate::format::Format,
                id: self.data.id,
                details: ContactDetails::tombstone(&self.data.details),
                created_at: self.data.created_at,
                created_by: self.data.created_by.clone(),
                // Erasing again keeps the first erasure: an erasure is an entry of the
                // contact's history, which only grows.
                erased: Some(self.data.erased.clone().unwrap_or_else(|| {
                    Box::new(Erasure {
                        // Never before the contact was recorded, whatever the clock reads.
                        at: ctx.now().max(self.data.created_at),
                        by: ctx.actor().clone(),
                    })
                })),
            }),
        }
    }

    /// Checks the invariants of a contact read from outside.
    pub(crate) fn validate(&self) -> Result<(), crate::error::RecordError> {
        self.check(true)
    }

    /// Checks the invariants of a contact; `strict` adds those of format 1 (a contact of format
    /// 0 may have been erased by a clock that read earlier than its creation).
    fn check(&self, strict: bool) -> Result<(), crate::error::RecordError> {
        let data = &self.data;
        let invariant = |field, problem| {
            Err(crate::error::RecordError::Invariant {
                record: crate::kind::RecordKind::Contact,
                field,
                problem,
            })
        };
        if let Some(erasure) = &data.erased {
            if data.details != ContactDetails::tombstone(&data.details) {
                return invariant("details", "an erased contact still holds personal data");
            }
            if strict && erasure.at < data.created_at {
                return invariant(
                    "erased",
                    "the erasure is dated before the contact's creation",
                );
            }
        }
        Ok(())
    }

    /// When and by whom the contact's personal data was erased, if it was.
    pub fn erased(&self) -> Option<&Erasure> {
        self.data.erased.as_deref()
    }

    /// The contact's id.
    pub fn id(&self) -> ContactId {
        self.data.id
    }

    /// Everything known about the contact.
    pub fn details(&self) -> &ContactDetails {
        &self.data.details
    }

    /// Who the contact is.
    pub fn party(&self) -> &Party {
        &self.data.details.party
    }

    /// The email address, if known.
    pub fn email(&self) -> Option<&EmailAddress> {
        self.data.details.email.as_ref()
    }

    /// The phone number, if known.
    pub fn phone(&self) -> Option<&PhoneNumber> {
        self.data.details.phone.as_ref()
    }

    /// Where the contact came from.
    pub fn source(&self) -> LeadSource {
        self.data.details.source
    }

    /// The user who owns the relationship, if any.
    pub fn owner(&self) -> Option<&User> {
        self.data.details.owner.as_ref()
    }

    /// When the contact was recorded.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.data.created_at
    }

    /// Who recorded the contact.
    pub fn created_by(&self) -> &User {
        &self.data.created_by
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_forms() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "x@xn--bcher-kva.example",
        ] {
            assert!(EmailAddress::new(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "  ",
            "plain",
            "a@@b.co",
            "a@b@c.co",
            "a b@c.co",
            "a@b.co.",
            ".a@b.co",
            "a.@b.co",
            "a..b@c.co",
            "a@b",
            "a@-b.co",
            "a@b-.co",
            "a@1.2.3.4",
            "ä@b.co",
            "a@bücher.de",
            "@b.co",
            "a@",
            "a@b..co",
            "a\"b@c.co",
        ] {
            let err = EmailAddress::new(bad).unwrap_err();
            assert_eq!(err.field(), Field::Email, "{bad}");
        }
    }

    proptest::proptest! {
        /// The one-pass check accepts exactly the addresses that the rule-by-rule check does,
        /// on strings made of the characters where the rules draw their lines.
        #[test]
        fn one_pass_email_check_agrees_with_the_rules(text in "[aZ09.@\\-+_ \"\u{e4}\x00]{1,16}") {
            proptest::prop_assert_eq!(is_plain_address(&text), address_problem(&text).is_ok());
        }

        /// The same, at the length limits of local parts and labels.
        #[test]
        fn one_pass_email_check_agrees_at_the_length_limits(
            local in proptest::prop_oneof![
                "a{62,66}",
                "[a.\\-]{0,2}a{0,3}[a.]{0,2}",
                "a{1,3}[.]{1,2}a{1,3}",
            ],
            labels in proptest::collection::vec(
                proptest::prop_oneof!["[a1]{61,65}", "[a1]{1,3}", "[a1\\-]{1,4}"],
                0..4,
            ),
        ) {
            let text = format!("{local}@{}", labels.join("."));
            proptest::prop_assert_eq!(is_plain_address(&text), address_problem(&text).is_ok());
        }
    }

    #[test]
    fn usual_addresses_take_the_one_pass_check() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'neil@x-y.example",
        ] {
            assert!(is_plain_address(good), "{good}");
        }
    }

    #[test]
    fn email_matching_ignores_case() {
        let state = std::collections::hash_map::RandomState::new();
        let hash = |e: &EmailAddress| std::hash::BuildHasher::hash_one(&state, e);
        // Shorter and longer than the block the hash lowercases at a time.
        for (a, b) in [
            ("Ada@Example.com", "ada@example.COM"),
            (
                "Ada.Lovelace.Countess@Analytical-Engines.Example.co.uk",
                "ada.lovelace.countess@analytical-engines.example.CO.UK",
            ),
        ] {
            let (a, b) = (EmailAddress::new(a).unwrap(), EmailAddress::new(b).unwrap());
            assert_eq!(a, b);
            assert_eq!(hash(&a), hash(&b));
        }
        let other = EmailAddress::new("ada@example.org").unwrap();
        assert_ne!(
            hash(&other),
            hash(&EmailAddress::new("ada@example.com").unwrap())
        );
    }

    #[test]
    fn phone_forms() {
        assert!(PhoneNumber::new("+1 (555) 010-9999").is_ok());
        for bad in [
            "123456",
            "+1 555 CALL NOW",
            "12+3456789",
            "1234567890123456",
            "555#1234567",
        ] {
            assert_eq!(
                PhoneNumber::new(bad).unwrap_err().field(),
                Field::Phone,
                "{bad}"
            );
        }
    }

    #[test]
    fn personal_data_is_redacted() {
        let e = EmailAddress::new("secret.person@example.com").unwrap();
        let p = PhoneNumber::new("+44 20 7946 0958").unwrap();
        for shown in [
            format!("{e:?}"),
            e.to_string(),
            format!("{p:?}"),
            p.to_string(),
        ] {
            assert!(!shown.contains("secret.person"), "{shown}");
            assert!(!shown.contains("7946"), "{shown}");
        }
    }
}
