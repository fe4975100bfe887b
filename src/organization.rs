//! Organizations: the companies contacts work for and accounts belong to, with their web
//! domains (by which duplicates are found) and the usual firmographics. An organization is not
//! personal data: erasing a contact leaves it.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::context::Context;
use crate::custom::CustomFields;
use crate::edit::{Change, Correction};
use crate::error::{Field, RecordError, ValidationError};
use crate::id::OrganizationId;
use crate::kind::RecordKind;
use crate::text::{Industry, Note, OrganizationName, User};

mod merging;

/// A web domain an organization uses, e.g. `acme.example`: lowercase, without `www.` or a
/// trailing dot, so that two spellings of one domain are one domain (duplicates are found by
/// it).
///
/// ```
/// use prospect::Domain;
/// let domain = Domain::new(" WWW.Acme.Example. ")?;
/// assert_eq!(domain.as_str(), "acme.example");
/// assert!(Domain::new("https://acme.example/about").is_err());
/// assert!(Domain::new("localhost").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Domain(Arc<str>);

impl Domain {
    /// The most characters a domain may hold.
    pub const MAX_CHARS: usize = 253;

    /// Validates and normalises `text` as a domain: trimmed, lowercased, without a trailing dot
    /// and without leading `www.` labels (as many as there are, while two labels or more remain:
    /// `www.www.acme.example` is `acme.example`, `www.example` stays); two labels or more, each
    /// of 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen; a top-level
    /// label that is not all digits; at most [`MAX_CHARS`](Self::MAX_CHARS) characters. An
    /// internationalised domain is given in its ASCII form (`xn--...`).
    ///
    /// The normal form is a fixed point: `Domain::new(d.as_str())` is `d` for every domain `d`,
    /// which is what reading a stored domain checks.
    ///
    /// # Errors
    ///
    /// [`ValidationError::Empty`], [`ValidationError::TooLong`] or
    /// [`ValidationError::Malformed`] for [`Field::Domain`].
    pub fn new(text: impl AsRef<str>) -> Result<Domain, ValidationError> {
        normal_form(text.as_ref()).map(|domain| Domain(Arc::from(domain)))
    }

    /// The domain, normalised.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The one normalisation of a domain, used by [`Domain::new`] and by reading a stored one:
/// idempotent, since no `www.` label is left first unless removing it would leave one label.
fn normal_form(text: &str) -> Result<String, ValidationError> {
    let malformed = |problem| ValidationError::Malformed {
        field: Field::Domain,
        problem,
    };
    let text = text.trim().trim_end_matches('.');
    if text.is_empty() {
        return Err(ValidationError::Empty {
            field: Field::Domain,
        });
    }
    if !text.is_ascii() {
        return Err(malformed("must be ASCII: give a domain in its xn-- form"));
    }
    let lower = text.to_ascii_lowercase();
    let mut domain = lower.as_str();
    while let Some(rest) = domain
        .strip_prefix("www.")
        .filter(|rest| rest.contains('.'))
    {
        domain = rest;
    }
    if domain.len() > Domain::MAX_CHARS {
        return Err(ValidationError::TooLong {
            field: Field::Domain,
            max: Domain::MAX_CHARS,
            len: domain.len(),
        });
    }
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if domain.split('.').count() < 2 || !domain.split('.').all(label_ok) {
        return Err(malformed(
            "must be a domain name only, like acme.example (no scheme, path or port)",
        ));
    }
    if domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(malformed("must be a domain name, not an IP address"));
    }
    Ok(domain.to_string())
}

impl fmt::Debug for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Domain({:?})", &*self.0)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl Serialize for Domain {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Domain {
    /// Reads a domain, refusing one that is not normalised (a stored domain always is).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let domain = normal_form(&raw).map_err(serde::de::Error::custom)?;
        if domain != raw {
            return Err(serde::de::Error::custom(
                "domain: not in its normal form (lowercase, without a leading www. or a trailing \
                 dot)",
            ));
        }
        Ok(Domain(Arc::from(domain)))
    }
}

/// The ISO 3166-1 alpha-2 codes, sorted.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI \
BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ \
GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN \
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS \
MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT \
PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF \
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM \
ZW";

/// A country, by its ISO 3166-1 alpha-2 code (`FR`, `JP`, ...).
///
/// ```
/// use prospect::Country;
/// assert_eq!(Country::new("fr")?.code(), "FR");
/// assert!(Country::new("XX").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    /// Looks `code` up among the ISO 3166-1 alpha-2 codes; case and surrounding white space
    /// are ignored.
    ///
    /// # Errors
    ///
    /// [`ValidationError::Malformed`] for [`Field::Country`] when it is not an assigned code.
    pub fn new(code: &str) -> Result<Country, ValidationError> {
        let upper = code.trim().to_ascii_uppercase();
        match upper.as_bytes() {
            [a, b] if COUNTRIES.split(' ').any(|c| c == upper) => Ok(Country([*a, *b])),
            _ => Err(ValidationError::Malformed {
                field: Field::Country,
                problem: "must be an ISO 3166-1 alpha-2 code, e.g. FR",
            }),
        }
    }

    /// The two-letter code, uppercase.
    pub fn code(&self) -> &str {
        // Two ASCII letters by construction; the fallback is never taken.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Country {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Country::new(&raw).map_err(serde::de::Error::custom)
    }
}

/// How many people an organization employs, in bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeBand {
    /// 1 to 9.
    Micro,
    /// 10 to 49.
    Small,
    /// 50 to 249.
    Medium,
    /// 250 to 999.
    Large,
    /// 1,000 or more.
    Enterprise,
}

/// What is known about an organization. Every field is validated by its type, so the fields
/// are public; the domains are kept sorted, each once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationDetails {
    /// Its name.
    pub name: OrganizationName,
    /// The web domains it uses (at most [`Organization::MAX_DOMAINS`]): no two organizations
    /// share one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
    /// Its industry, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<Industry>,
    /// How many people it employs, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<SizeBand>,
    /// Where it is, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// The user who owns the relationship, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<User>,
}

impl OrganizationDetails {
    /// Details with only a name.
    pub fn new(name: OrganizationName) -> OrganizationDetails {
        OrganizationDetails {
            name,
            domains: Vec::new(),
            industry: None,
            size: None,
            country: None,
            owner: None,
        }
    }

    /// The same details with one more domain.
    pub fn with_domain(mut self, domain: Domain) -> OrganizationDetails {
        self.domains.push(domain);
        self
    }

    /// The same details with an industry.
    pub fn with_industry(self, industry: Industry) -> OrganizationDetails {
        OrganizationDetails {
            industry: Some(industry),
            ..self
        }
    }

    /// The same details with a size band.
    pub fn with_size(self, size: SizeBand) -> OrganizationDetails {
        OrganizationDetails {
            size: Some(size),
            ..self
        }
    }

    /// The same details with a country.
    pub fn with_country(self, country: Country) -> OrganizationDetails {
        OrganizationDetails {
            country: Some(country),
            ..self
        }
    }

    /// The same details with an owner.
    pub fn with_owner(self, owner: User) -> OrganizationDetails {
        OrganizationDetails {
            owner: Some(owner),
            ..self
        }
    }

    /// The details with their domains sorted, each once, or why they cannot be kept.
    fn normalised(mut self) -> Result<OrganizationDetails, ValidationError> {
        self.domains.sort();
        self.domains.dedup();
        if self.domains.len() > Organization::MAX_DOMAINS {
            return Err(ValidationError::TooMany {
                field: Field::Domain,
                max: Organization::MAX_DOMAINS,
                len: self.domains.len(),
            });
        }
        Ok(self)
    }
}

/// A company: the organization contacts work for. A record of its own
/// ([`RecordKind::Organization`](crate::record::RecordKind::Organization)), found by its
/// domains; not personal data.
///
/// ```
/// use prospect::*;
/// let ctx = Context::system(User::new("claire")?);
/// let acme = Organization::create(
///     OrganizationDetails::new(OrganizationName::new("Acme SA")?)
///         .with_domain(Domain::new("acme.example")?)
///         .with_country(Country::new("FR")?),
///     &ctx,
/// )?;
/// assert_eq!(acme.domains()[0].as_str(), "acme.example");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Organization {
    data: Arc<data::Organization>,
}

mod data {
    use super::*;

    /// The organization itself, shared between the copies of a [`super::Organization`].
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Organization {
        /// Zero-sized: the stored form's `"format"` field, required (every organization was
        /// written with it; format 0's leniency is for the kinds that existed before it).
        pub(super) format: crate::format::Format,
        pub(super) id: OrganizationId,
        pub(super) details: OrganizationDetails,
        pub(super) created_at: DateTime<Utc>,
        pub(super) created_by: User,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub(super) corrections: Vec<Correction<OrganizationDetails>>,
        #[serde(default, skip_serializing_if = "CustomFields::is_empty")]
        pub(super) custom: CustomFields,
    }
}

impl fmt::Debug for Organization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.data, f)
    }
}

impl<'de> Deserialize<'de> for Organization {
    /// Reads an organization and validates it.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let reading = crate::format::ReadingRecord::start();
        let organization = Organization {
            data: Arc::new(data::Organization::deserialize(d)?),
        };
        reading
            .finish(RecordKind::Organization)
            .map_err(serde::de::Error::custom)?;
        organization.validate().map_err(serde::de::Error::custom)?;
        Ok(organization)
    }
}

impl Organization {
    /// The most domains an organization may have.
    pub const MAX_DOMAINS: usize = 20;

    /// Records a new organization, with a new id, now, by the context's actor. To refuse a
    /// duplicate by domain race-free, create it with
    /// [`Crm::create_organization`](crate::Crm::create_organization).
    ///
    /// # Errors
    ///
    /// [`ValidationError::TooMany`] for [`Field::Domain`] with more than
    /// [`MAX_DOMAINS`](Self::MAX_DOMAINS) domains.
    pub fn create(
        details: OrganizationDetails,
        ctx: &Context<'_>,
    ) -> Result<Organization, ValidationError> {
        let details = details.normalised()?;
        Ok(Organization {
            data: Arc::new(data::Organization {
                format: crate::format::Format,
                id: OrganizationId::generate(ctx.ids()),
                details,
                created_at: ctx.now(),
                created_by: ctx.actor().clone(),
                corrections: Vec::new(),
                custom: CustomFields::new(),
            }),
        })
    }

    /// The same organization with its details replaced by `details`, for `reason` if one is
    /// given: an entry of its history with the details before and after.
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create).
    pub fn correct(
        &self,
        details: OrganizationDetails,
        reason: Option<Note>,
        ctx: &Context<'_>,
    ) -> Result<Organization, ValidationError> {
        let details = details.normalised()?;
        let latest = self.latest_at();
        let mut data = data::Organization::clone(&self.data);
        data.corrections.push(Correction {
            at: ctx.now().max(latest),
            by: ctx.actor().clone(),
            details: Change::new(self.data.details.clone(), details.clone()),
            reason,
            merge: None,
        });
        data.details = details;
        Ok(Organization {
            data: Arc::new(data),
        })
    }

    /// When the latest entry of its history was made.
    fn latest_at(&self) -> DateTime<Utc> {
        self.data
            .corrections
            .last()
            .map_or(self.data.created_at, |c| c.at)
    }

    /// Checks the invariants of an organization read from outside: its domains sorted, each
    /// once, at most [`MAX_DOMAINS`](Self::MAX_DOMAINS); its corrections in order, following
    /// each other, the last one's details its own.
    pub(crate) fn validate(&self) -> Result<(), RecordError> {
        let data = &self.data;
        let invariant = |field, problem| {
            Err(RecordError::Invariant {
                record: RecordKind::Organization,
                field,
                problem,
            })
        };
        let sorted = |d: &OrganizationDetails| {
            d.domains.windows(2).all(|w| w[0] < w[1]) && d.domains.len() <= Self::MAX_DOMAINS
        };
        if !sorted(&data.details) || !data.corrections.iter().all(|c| sorted(c.details.after())) {
            return invariant("domains", "must be sorted, each once, at most 20");
        }
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
        data.custom
            .check(self.own_entries(), false)
            .map_err(|problem| RecordError::Custom {
                record: RecordKind::Organization,
                problem,
            })
    }

    /// How many entries its own history has: its creation and corrections.
    pub(crate) fn own_entries(&self) -> usize {
        1 + self.data.corrections.len()
    }

    /// Its custom fields (an organization's hold no personal data).
    pub fn custom_fields(&self) -> &CustomFields {
        &self.data.custom
    }

    /// The same organization with `custom` as its custom fields.
    pub(crate) fn with_custom_fields(mut self, custom: CustomFields) -> Organization {
        Arc::make_mut(&mut self.data).custom = custom;
        self
    }

    /// The organization's id.
    pub fn id(&self) -> OrganizationId {
        self.data.id
    }

    /// Everything known about it.
    pub fn details(&self) -> &OrganizationDetails {
        &self.data.details
    }

    /// Its name.
    pub fn name(&self) -> &OrganizationName {
        &self.data.details.name
    }

    /// Its web domains, sorted (a merged organization keeps its own on record, but stores
    /// find the survivor by them: see [`Record::domains`](crate::record::Record::domains)).
    pub fn domains(&self) -> &[Domain] {
        &self.data.details.domains
    }

    /// The user who owns the relationship, if any.
    pub fn owner(&self) -> Option<&User> {
        self.data.details.owner.as_ref()
    }

    /// When it was recorded.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.data.created_at
    }

    /// Who recorded it.
    pub fn created_by(&self) -> &User {
        &self.data.created_by
    }

    /// Its corrections, oldest first.
    pub fn corrections(&self) -> &[Correction<OrganizationDetails>] {
        &self.data.corrections
    }
}
