//! Contacts: who the business has met, and how to reach them.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

mod merging;

use crate::context::Context;
use crate::custom::CustomFields;
use crate::edit::{Change, Correction};
use crate::email::EmailAddress;
use crate::id::{ContactId, OrganizationId};
use crate::phone::PhoneNumber;
use crate::text::{JobTitle, Note, OrganizationName, PersonName, User};

/// A person, possibly working for an organization. Every field is validated by its type, so the
/// fields are public.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The person's full name.
    pub name: PersonName,
    /// Their job title, if known.
    pub job_title: Option<JobTitle>,
    /// The organization they work for, if any.
    pub organization: Option<OrganizationName>,
}

/// An organization met as such, as a contact (a company's generic address, a purchasing
/// department): its name. (The company itself, with its domains, is an
/// [`Organization`](crate::Organization) record.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationParty {
    /// The organization's name.
    pub name: OrganizationName,
}

/// Who a contact is: a person or an organization.
///
/// As JSON, `{"kind": "person", "name": ..., "job_title": ..., "organization": ...}` or
/// `{"kind": "organization", "name": ...}`. Read field by field, so that an error names the
/// field at fault (`party.name`) when `"kind"` comes first, as it is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Party {
    /// A person acting for themselves, or for an organization they work at.
    Person(Person),
    /// An organization as a whole (a shared mailbox, a purchasing department).
    Organization(OrganizationParty),
}

impl<'de> Deserialize<'de> for Party {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Party, D::Error> {
        d.deserialize_map(PartyVisitor)
    }
}

/// Reads a [`Party`] as the map its `Serialize` writes, each value with its own type as soon
/// as the kind is known (a name given before the kind is read as text, then validated).
struct PartyVisitor;

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum PartyKind {
    Person,
    Organization,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum PartyKey {
    Kind,
    Name,
    JobTitle,
    Organization,
}

/// A party's name, as read so far.
enum PartyName {
    Text(String),
    Person(PersonName),
    Organization(OrganizationName),
}

impl<'de> serde::de::Visitor<'de> for PartyVisitor {
    type Value = Party;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a party: {\"kind\": \"person\" or \"organization\", \"name\": ...}")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Party, A::Error> {
        use serde::de::Error;
        let mut kind = None;
        let mut name = None;
        let mut job_title: Option<Option<JobTitle>> = None;
        let mut organization: Option<Option<OrganizationName>> = None;
        while let Some(key) = map.next_key::<PartyKey>()? {
            match key {
                PartyKey::Kind if kind.is_some() => return Err(A::Error::duplicate_field("kind")),
                PartyKey::Name if name.is_some() => return Err(A::Error::duplicate_field("name")),
                PartyKey::JobTitle if job_title.is_some() => {
                    return Err(A::Error::duplicate_field("job_title"));
                }
                PartyKey::Organization if organization.is_some() => {
                    return Err(A::Error::duplicate_field("organization"));
                }
                PartyKey::Kind => kind = Some(map.next_value::<PartyKind>()?),
                PartyKey::Name => {
                    name = Some(match kind {
                        Some(PartyKind::Person) => PartyName::Person(map.next_value()?),
                        Some(PartyKind::Organization) => PartyName::Organization(map.next_value()?),
                        None => PartyName::Text(map.next_value()?),
                    });
                }
                PartyKey::JobTitle => job_title = Some(map.next_value()?),
                PartyKey::Organization => organization = Some(map.next_value()?),
            }
        }
        let kind = kind.ok_or_else(|| A::Error::missing_field("kind"))?;
        let name = name.ok_or_else(|| A::Error::missing_field("name"))?;
        if matches!(kind, PartyKind::Organization) {
            // An organization has a name only.
            for (given, field) in [
                (job_title.is_some(), "job_title"),
                (organization.is_some(), "organization"),
            ] {
                if given {
                    return Err(A::Error::unknown_field(field, &["kind", "name"]));
                }
            }
        }
        let person = |name| {
            Party::Person(Person {
                name,
                job_title: job_title.clone().flatten(),
                organization: organization.clone().flatten(),
            })
        };
        let company = |name| Party::Organization(OrganizationParty { name });
        // A name read after the kind has the kind's type already.
        match (kind, name) {
            (PartyKind::Person, PartyName::Person(name)) => Ok(person(name)),
            (PartyKind::Person, PartyName::Text(text)) => {
                PersonName::new(text).map(person).map_err(A::Error::custom)
            }
            (PartyKind::Organization, PartyName::Organization(name)) => Ok(company(name)),
            (PartyKind::Organization, PartyName::Text(text)) => OrganizationName::new(text)
                .map(company)
                .map_err(A::Error::custom),
            (_, PartyName::Person(_) | PartyName::Organization(_)) => Err(A::Error::custom(
                "party: the name was read for another kind",
            )),
        }
    }
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
        Party::Organization(OrganizationParty { name })
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
    /// The [`Organization`](crate::Organization) the contact belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrganizationId>,
}

impl ContactDetails {
    /// `details` without personal data: the party's name replaced by [`ERASED_TEXT`](crate::ERASED_TEXT), no job title,
    /// organization (named or linked), email or phone; the source and owner kept.
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
            organization: None,
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
            organization: None,
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

    /// The same details, belonging to `organization`.
    pub fn with_organization(self, organization: OrganizationId) -> ContactDetails {
        ContactDetails {
            organization: Some(organization),
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
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Contact {
        /// Zero-sized: the stored form's `"format"` field.
        #[serde(default)]
        pub(super) format: crate::format::Format,
        pub(super) id: ContactId,
        pub(super) details: ContactDetails,
        pub(super) created_at: DateTime<Utc>,
        pub(super) created_by: User,
        /// The corrections and hand-offs, oldest first: the entries of its history between
        /// its creation and its erasure.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub(super) corrections: Vec<Correction<ContactDetails>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// Boxed: rare, and 32 bytes in every contact otherwise.
        pub(super) erased: Option<Box<Erasure>>,
        #[serde(default, skip_serializing_if = "CustomFields::is_empty")]
        pub(super) custom: CustomFields,
    }
}

impl Correction<ContactDetails> {
    /// Whether the owner changed: a hand-off.
    pub fn is_handoff(&self) -> bool {
        self.details.before().owner != self.details.after().owner
    }

    /// The correction with the details before and after erased as the contact's own are (the
    /// owner and source stay, so a hand-off is still seen), and the reason.
    fn erased(&self) -> Correction<ContactDetails> {
        Correction {
            at: self.at,
            by: self.by.clone(),
            details: self.details.map(ContactDetails::tombstone),
            reason: self.reason.as_ref().map(|_| Note::erased()),
            merge: self.merge.clone(),
        }
    }
}

/// A contact whose personal data was erased cannot be corrected or handed over: there is
/// nothing left to correct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("contact {contact} was erased: it cannot be corrected")]
pub struct ContactErased {
    /// The contact.
    pub contact: ContactId,
}

/// When and by whom a contact's personal data was erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Erasure {
    /// When the contact was erased.
    pub at: DateTime<Utc>,
    /// Who erased it.
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
                corrections: Vec::new(),
                erased: None,
                custom: CustomFields::new(),
            }),
        }
    }

    /// The same contact with its details replaced by `details` (a correction: a new name, a
    /// new email address, another owner, ...), for `reason` if one is given: an entry of its
    /// history with the details before and after. Corrections to what they were are recorded
    /// as given. To keep finding duplicates by email race-free, correct a stored contact with
    /// [`Crm::correct_contact`](crate::Crm::correct_contact).
    ///
    /// # Errors
    ///
    /// [`ContactErased`] when the contact was erased.
    pub fn correct(
        &self,
        details: ContactDetails,
        reason: Option<Note>,
        ctx: &Context<'_>,
    ) -> Result<Contact, ContactErased> {
        if self.data.erased.is_some() {
            return Err(ContactErased {
                contact: self.data.id,
            });
        }
        let latest = self.latest_at();
        let mut data = data::Contact::clone(&self.data);
        data.corrections.push(Correction {
            // Never before the latest entry, whatever the clock reads.
            at: ctx.now().max(latest),
            by: ctx.actor().clone(),
            details: Change::new(self.data.details.clone(), details.clone()),
            reason,
            merge: None,
        });
        data.details = details;
        Ok(Contact {
            data: Arc::new(data),
        })
    }

    /// The same contact handed over to `owner` (`None`: to nobody), for `reason` if one is
    /// given: a [correction](Self::correct) of its owner alone.
    ///
    /// # Errors
    ///
    /// [`ContactErased`] when the contact was erased.
    pub fn reassign(
        &self,
        owner: Option<User>,
        reason: Option<Note>,
        ctx: &Context<'_>,
    ) -> Result<Contact, ContactErased> {
        let details = ContactDetails {
            owner,
            ..self.data.details.clone()
        };
        self.correct(details, reason, ctx)
    }

    /// The corrections and hand-offs, oldest first.
    pub fn corrections(&self) -> &[Correction<ContactDetails>] {
        &self.data.corrections
    }

    /// When the latest entry of its history (creation or correction) was made.
    pub(crate) fn latest_at(&self) -> DateTime<Utc> {
        self.data
            .corrections
            .last()
            .map_or(self.data.created_at, |c| c.at)
    }

    /// The same contact with its personal data redacted as an erasure erases it, without an
    /// erasure entry: what a principal without the right to read personal data sees.
    pub(crate) fn redacted(&self) -> Contact {
        self.scrubbed(self.data.erased.clone())
    }

    /// The same contact with its details, and those before and after each correction, as
    /// tombstones, and `erased` as its erasure entry: what erasure and redaction share.
    fn scrubbed(&self, erased: Option<Box<Erasure>>) -> Contact {
        Contact {
            data: Arc::new(data::Contact {
                format: crate::format::Format,
                id: self.data.id,
                details: ContactDetails::tombstone(&self.data.details),
                created_at: self.data.created_at,
                created_by: self.data.created_by.clone(),
                corrections: self
                    .data
                    .corrections
                    .iter()
                    .map(Correction::erased)
                    .collect(),
                erased,
                custom: self.data.custom.erased(),
            }),
        }
    }

    /// The same contact with its personal data erased (the right to erasure): the party's name
    /// becomes [`ERASED_TEXT`](crate::ERASED_TEXT), its job title and organization, its email address and its phone
    /// number go; its id, source, owner and creation stay, so that its leads, opportunities and
    /// the funnel are unchanged. An erased contact is no longer found by email. To erase a
    /// contact with the free text of its leads and opportunities, in one commit, use
    /// [`Crm::erase_contact`](crate::Crm::erase_contact). Erasing an erased contact keeps its
    /// first erasure.
    pub fn erase(&self, ctx: &Context<'_>) -> Contact {
        // Erasing again keeps the first erasure: an erasure is an entry of the contact's
        // history, which only grows.
        self.scrubbed(Some(self.data.erased.clone().unwrap_or_else(|| {
            Box::new(Erasure {
                // Never before the contact's latest entry, whatever the clock reads.
                at: ctx.now().max(self.latest_at()),
                by: ctx.actor().clone(),
            })
        })))
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
        let mut at = data.created_at;
        for correction in &data.corrections {
            if correction.at < at {
                return invariant(
                    "corrections",
                    "a correction is dated before the entry before it",
                );
            }
            at = correction.at;
        }
        let changes = data.corrections.iter().map(Correction::details);
        if !crate::edit::chained(changes, &data.details) {
            return invariant("details", "differ from the latest correction's");
        }
        if let Err(problem) = self.check_notes() {
            return invariant("corrections", problem);
        }
        if let Some(erasure) = &data.erased {
            let holds_personal_data = |d: &ContactDetails| *d != ContactDetails::tombstone(d);
            if holds_personal_data(&data.details)
                || data.corrections.iter().any(|c| {
                    holds_personal_data(c.details.before())
                        || holds_personal_data(c.details.after())
                })
            {
                return invariant("details", "an erased contact still holds personal data");
            }
            if strict && erasure.at < at {
                return invariant(
                    "erased",
                    "the erasure is dated before the contact's creation or latest correction",
                );
            }
        }
        data.custom
            .check(self.own_entries(), data.erased.is_some())
            .map_err(|problem| crate::error::RecordError::Custom {
                record: crate::kind::RecordKind::Contact,
                problem,
            })
    }

    /// How many entries its own history has: its creation, corrections and erasure.
    pub(crate) fn own_entries(&self) -> usize {
        1 + self.data.corrections.len() + usize::from(self.data.erased.is_some())
    }

    /// Its custom fields.
    pub fn custom_fields(&self) -> &CustomFields {
        &self.data.custom
    }

    /// The same contact with `custom` as its custom fields.
    pub(crate) fn with_custom_fields(mut self, custom: CustomFields) -> Contact {
        Arc::make_mut(&mut self.data).custom = custom;
        self
    }

    /// When and by whom the contact's personal data was erased, if it was.
    pub fn erasure(&self) -> Option<&Erasure> {
        self.data.erased.as_deref()
    }

    /// The contact's id, which never changes (not even when it is erased).
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

    /// The organization the contact belongs to, if any.
    pub fn organization(&self) -> Option<OrganizationId> {
        self.data.details.organization
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
