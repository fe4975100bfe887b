//! Who may do what: the [`Principal`] a facade acts for, the [`AccessPolicy`] it consults before
//! every step and every read, and the [`Decision`] each answer is, with the [`Rule`] that made it.
//!
//! A policy is pure and deterministic: it sees the principal (their user, roles, teams, and the
//! users they reach through their teams and as a manager, all resolved by a [`Directory`]), an
//! [`Action`] and a [`Resource`] (a record's kind and owner, and for an activity or a task the
//! owner of the record it is about), and nothing else: no store, no clock. The crate's own
//! [`RolePolicy`] holds the CRM conventions (per record kind and action, a [`Level`]: all, team,
//! own, none); [`AllowAll`] allows everything and says so in every decision; `prospect-cedar`
//! implements the same trait with the Cedar policy language.
//!
//! What the facades do with the answers ([`Crm`](crate::Crm), [`AsyncCrm`](crate::AsyncCrm)):
//!
//! - a step the policy denies writes nothing and fails with
//!   [`CrmError::Forbidden`](crate::CrmError::Forbidden), naming the action, the record and the
//!   rule;
//! - a read of a record the principal may not read is
//!   [`CrmError::NotFound`](crate::CrmError::NotFound), as if it did not exist: answering
//!   "forbidden" would tell who asks that the id exists. A principal that may read a record but
//!   not its personal data gets it [`Visible`] with that data redacted, or `Forbidden` when it
//!   asks for the whole typed value to act on;
//! - lists, queries and reports reach only the owners the policy lets the principal read
//!   ([`Reach`]), through the store's owner index: they never read everything and filter.
//!
//! ```
//! use prospect::access::{Action, Directory, Level, Grants, Resource, Role, RolePolicy, Team};
//! use prospect::access::AccessPolicy as _;
//! use prospect::record::RecordKind;
//! use prospect::User;
//! let (rep, manager) = (Role::new("rep")?, Role::new("manager")?);
//! let east = Team::new("east")?;
//! let (ann, bob, mia) = (User::new("ann")?, User::new("bob")?, User::new("mia")?);
//! let directory = Directory::new()
//!     .with_user(ann.clone(), [rep.clone()], [east.clone()])
//!     .with_user(bob.clone(), [rep.clone()], [east.clone()])
//!     .with_user(mia.clone(), [manager.clone()], [])
//!     .with_manager(&ann, &mia)
//!     .with_manager(&bob, &mia);
//! let policy = RolePolicy::new()
//!     .with_role(rep, Grants::none().grant_every_kind(Action::Read, Level::Own))
//!     .with_role(manager, Grants::none().grant_every_kind(Action::Read, Level::Own));
//! let bobs = Resource::new(RecordKind::Lead).owned_by(Some(&bob));
//! assert!(!policy.decide(&directory.principal(&ann), Action::Read, &bobs).is_allowed());
//! let decision = policy.decide(&directory.principal(&mia), Action::Read, &bobs);
//! assert!(decision.is_allowed());
//! assert_eq!(decision.rule().to_string(), "role manager may read lead at level own");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::kind::RecordKind;
use crate::record::RecordId;
use crate::text::User;

mod roles;
mod visible;

pub use crate::text::{Role, Team};
pub use roles::{Grants, RolePolicy};
pub use visible::{Visible, VisiblePage};

/// What a principal does to a record. A step is one or more of them: creating a record, editing
/// it (every transition and correction), handing it over to another owner, erasing a contact's
/// personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Reading the record: its ids, states, amounts, dates and owners.
    Read,
    /// Reading the record's personal data: names, email addresses, phone numbers and free text.
    /// Without it, reads show them redacted ([`Visible`]).
    ReadPersonal,
    /// Creating the record.
    Create,
    /// Changing it: a transition, a correction, a revision, an activity or task about it.
    Edit,
    /// Handing it over to another owner.
    Reassign,
    /// Erasing a contact's personal data, with its records' free text.
    Erase,
}

impl Action {
    /// Every action, in order.
    pub const ALL: [Action; 6] = [
        Action::Read,
        Action::ReadPersonal,
        Action::Create,
        Action::Edit,
        Action::Reassign,
        Action::Erase,
    ];

    /// The name, as serialised: `"read"`, `"read_personal"`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::ReadPersonal => "read_personal",
            Action::Create => "create",
            Action::Edit => "edit",
            Action::Reassign => "reassign",
            Action::Erase => "erase",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// How far a role's right reaches, by the CRM convention: no record, the principal's own (and
/// their reports'), their teams' members', or every record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// No record.
    None,
    /// Records the principal owns, or one of their reports (direct or not) owns. An activity
    /// or a task is reached through the record it is about, and also, except to create one,
    /// through its own owner (an activity's author, a task's assignee).
    Own,
    /// [`Own`](Level::Own), and records owned by a member of one of the principal's teams.
    Team,
    /// Every record of the kind.
    All,
}

impl Level {
    /// The name, as serialised: `"none"`, `"own"`, `"team"`, `"all"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Own => "own",
            Level::Team => "team",
            Level::All => "all",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The user a facade acts for, with what a policy needs to know of them: their roles, their
/// teams, the members of those teams and the users who report to them (directly or not).
/// Resolved from a [`Directory`]; a user the directory does not know is a principal with no
/// role, who may do nothing under a least-privilege policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    user: User,
    /// Shared between the copies of a principal (a facade hands one to each decision).
    #[serde(flatten)]
    of: Arc<Membership>,
}

/// What a [`Principal`] is a member of and whom it reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Membership {
    roles: BTreeSet<Role>,
    teams: BTreeSet<Team>,
    teammates: BTreeSet<User>,
    reports: BTreeSet<User>,
}

impl Principal {
    /// `user`, with no role, no team and no report.
    pub fn new(user: User) -> Principal {
        Principal {
            user,
            of: Arc::default(),
        }
    }

    /// The user.
    pub fn user(&self) -> &User {
        &self.user
    }

    /// The roles.
    pub fn roles(&self) -> &BTreeSet<Role> {
        &self.of.roles
    }

    /// The teams.
    pub fn teams(&self) -> &BTreeSet<Team> {
        &self.of.teams
    }

    /// The other members of the principal's teams.
    pub fn teammates(&self) -> &BTreeSet<User> {
        &self.of.teammates
    }

    /// The users who report to the principal, directly or through other managers.
    pub fn reports(&self) -> &BTreeSet<User> {
        &self.of.reports
    }

    /// Whether a record owned by `owner` is the principal's own at [`Level::Own`]: theirs or a
    /// report's.
    pub fn owns(&self, owner: &User) -> bool {
        *owner == self.user || self.of.reports.contains(owner)
    }

    /// Whether a record owned by `owner` is reached at [`Level::Team`]: the principal's own or
    /// a teammate's.
    pub fn shares_team_with(&self, owner: &User) -> bool {
        self.owns(owner) || self.of.teammates.contains(owner)
    }

    /// Every user whose records the principal reaches at [`Level::Own`] (`team`: false) or
    /// [`Level::Team`] (`team`: true), the principal first.
    pub fn reach(&self, team: bool) -> impl Iterator<Item = &User> {
        let teammates = self.of.teammates.iter().filter(move |_| team);
        std::iter::once(&self.user)
            .chain(self.of.reports.iter())
            .chain(teammates.filter(|u| !self.of.reports.contains(*u)))
    }
}

/// The people an access policy knows: each user's roles and teams, and who manages whom. Pure
/// data (serde), given by the application from wherever it keeps its users; a new directory
/// is given to a facade with [`Crm::with_directory`](crate::Crm::with_directory).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    people: BTreeMap<User, Person>,
}

/// One user of a [`Directory`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Person {
    roles: BTreeSet<Role>,
    teams: BTreeSet<Team>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    manager: Option<User>,
}

impl Directory {
    /// A directory that knows nobody.
    pub fn new() -> Directory {
        Directory::default()
    }

    /// The same directory with `user` holding `roles` and in `teams` (added to what it held).
    pub fn with_user(
        mut self,
        user: User,
        roles: impl IntoIterator<Item = Role>,
        teams: impl IntoIterator<Item = Team>,
    ) -> Directory {
        let person = self.people.entry(user).or_default();
        person.roles.extend(roles);
        person.teams.extend(teams);
        self
    }

    /// The same directory with `user` reporting to `manager` (both known from then on). A
    /// manager reaches their reports' records at [`Level::Own`], and their reports' reports'.
    pub fn with_manager(mut self, user: &User, manager: &User) -> Directory {
        self.people.entry(manager.clone()).or_default();
        self.people.entry(user.clone()).or_default().manager = Some(manager.clone());
        self
    }

    /// The users the directory knows, in order.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.people.keys()
    }

    /// `user` as a principal: their roles and teams, their teams' other members, and everyone
    /// who reports to them, directly or not (a cycle of managers ends where it closes).
    pub fn principal(&self, user: &User) -> Principal {
        let Some(person) = self.people.get(user) else {
            return Principal::new(user.clone());
        };
        let mut of = Membership {
            roles: person.roles.clone(),
            teams: person.teams.clone(),
            ..Membership::default()
        };
        of.teammates = self
            .people
            .iter()
            .filter(|(other, p)| *other != user && !p.teams.is_disjoint(&person.teams))
            .map(|(other, _)| other.clone())
            .collect();
        // Everyone whose chain of managers reaches `user`.
        for (other, _) in self.people.iter().filter(|(o, _)| *o != user) {
            let mut seen = BTreeSet::new();
            let mut next = self.people.get(other).and_then(|p| p.manager.as_ref());
            while let Some(manager) = next {
                if manager == user {
                    of.reports.insert(other.clone());
                    break;
                }
                if !seen.insert(manager) {
                    break;
                }
                next = self.people.get(manager).and_then(|p| p.manager.as_ref());
            }
        }
        Principal {
            user: user.clone(),
            of: Arc::new(of),
        }
    }
}

/// What a policy sees of a record: its kind, its owner, and for an activity or a task the owner
/// of the record it is about. A record about to be created is seen as it will be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource<'a> {
    kind: RecordKind,
    id: Option<RecordId>,
    owner: Option<&'a User>,
    about: Option<&'a User>,
}

impl<'a> Resource<'a> {
    /// A record of `kind` that nobody owns.
    pub fn new(kind: RecordKind) -> Resource<'a> {
        Resource {
            kind,
            id: None,
            owner: None,
            about: None,
        }
    }

    /// The same, with its id.
    pub fn with_id(self, id: RecordId) -> Resource<'a> {
        Resource {
            id: Some(id),
            ..self
        }
    }

    /// The same, owned by `owner` (`None`: nobody).
    pub fn owned_by(self, owner: Option<&'a User>) -> Resource<'a> {
        Resource { owner, ..self }
    }

    /// The same, about a record owned by `owner` (an activity's or a task's).
    pub fn about_owned_by(self, owner: Option<&'a User>) -> Resource<'a> {
        Resource {
            about: owner,
            ..self
        }
    }

    /// The record as a policy sees it; for an activity or a task, the owner of the record it is
    /// about is not in it: add it with [`about_owned_by`](Self::about_owned_by).
    pub fn of(record: &'a crate::record::Record) -> Resource<'a> {
        Resource::new(record.kind())
            .with_id(record.id())
            .owned_by(record.owner())
    }

    /// The kind of record.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The record's id, when it has one.
    pub fn id(&self) -> Option<RecordId> {
        self.id
    }

    /// The owner, if any.
    pub fn owner(&self) -> Option<&'a User> {
        self.owner
    }

    /// For an activity or a task, the owner of the record it is about, if known and owned.
    pub fn about(&self) -> Option<&'a User> {
        self.about
    }
}

/// The rule that decided: what an error, a log line or an audit shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// [`AllowAll`] allowed it.
    AllowAll,
    /// A role's grant allowed it.
    Grant {
        /// The role.
        role: Role,
        /// The kind of record.
        kind: RecordKind,
        /// The action.
        action: Action,
        /// The level the role holds, which reached the record.
        level: Level,
    },
    /// No role of the principal reaches the record for the action: least privilege.
    NoGrant {
        /// The kind of record.
        kind: RecordKind,
        /// The action.
        action: Action,
    },
    /// A rule of another policy engine, by its id (a Cedar policy's `@id`, ...).
    Named {
        /// The rule's id.
        id: String,
        /// Whether the rule allows (`false`: it forbids).
        allows: bool,
    },
    /// No rule of another policy engine allowed it (a default deny).
    NoneMatched,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::AllowAll => f.write_str("AllowAll allows everything"),
            Rule::Grant {
                role,
                kind,
                action,
                level,
            } => write!(f, "role {role} may {action} {kind} at level {level}"),
            Rule::NoGrant { kind, action } => write!(
                f,
                "no role of the principal may {action} this {kind} (least privilege)"
            ),
            Rule::Named { id, allows: true } => write!(f, "policy {id} permits"),
            Rule::Named { id, allows: false } => write!(f, "policy {id} forbids"),
            Rule::NoneMatched => f.write_str("no policy permits (default deny)"),
        }
    }
}

/// A policy's answer: allow or deny, with the rule that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    allowed: bool,
    rule: Rule,
}

impl Decision {
    /// Allowed by `rule`.
    pub fn allow(rule: Rule) -> Decision {
        Decision {
            allowed: true,
            rule,
        }
    }

    /// Denied by `rule`.
    pub fn deny(rule: Rule) -> Decision {
        Decision {
            allowed: false,
            rule,
        }
    }

    /// Whether the action is allowed.
    pub fn is_allowed(&self) -> bool {
        self.allowed
    }

    /// The rule that decided.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// The rule, giving up the decision.
    pub fn into_rule(self) -> Rule {
        self.rule
    }
}

/// The owners whose records of a kind a principal may read (or act on): how a facade lists and
/// reports through the store's owner index instead of reading everything and filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every record of the kind.
    Everything,
    /// The records these users own, and when `unowned`, those nobody owns. Empty and not
    /// `unowned`: none.
    Owners {
        /// The owners.
        owners: BTreeSet<User>,
        /// Whether records nobody owns are reached.
        unowned: bool,
    },
}

impl Reach {
    /// Whether the reach includes no record at all.
    pub fn is_nothing(&self) -> bool {
        matches!(self, Reach::Owners { owners, unowned: false } if owners.is_empty())
    }
}

/// A user no directory knows, whose records only a policy that reaches every record reaches:
/// how the default [`AccessPolicy::reach`] tells "everyone" from "everyone I was shown". (The
/// name is a valid user, as a test holds; the tombstone is only there to need no panic.)
fn stranger() -> User {
    User::new("prospect:anyone-else").unwrap_or_else(|_| User::erased())
}

/// Who may do what: asked by the facades before every step and every read. Pure and
/// deterministic: the answer depends on the principal, the action and the resource only.
///
/// Implementations: [`RolePolicy`] (the CRM conventions), [`AllowAll`] (tests and single-user
/// applications), `prospect-cedar`'s Cedar policy.
pub trait AccessPolicy: Send + Sync + fmt::Debug {
    /// Whether `principal` may take `action` on `resource`, and the rule that decided.
    fn decide(&self, principal: &Principal, action: Action, resource: &Resource<'_>) -> Decision;

    /// The owners whose records of `kind` `principal` may take `action` on, for lists and
    /// reports. The default asks [`decide`](Self::decide) about a record of each user the
    /// principal reaches (themselves, their reports, their teammates), one nobody owns, and one
    /// of a user nobody knows (allowed: [`Reach::Everything`]). A policy that grants a principal
    /// other users' records by name should say so here, or its lists will not show them
    /// (they will never show a record it denies).
    fn reach(&self, principal: &Principal, kind: RecordKind, action: Action) -> Reach {
        let allows = |owner: Option<&User>| {
            self.decide(principal, action, &Resource::new(kind).owned_by(owner))
                .is_allowed()
        };
        if allows(Some(&stranger())) {
            return Reach::Everything;
        }
        Reach::Owners {
            owners: principal
                .reach(true)
                .filter(|u| allows(Some(u)))
                .cloned()
                .collect(),
            unowned: allows(None),
        }
    }
}

impl<P: AccessPolicy + ?Sized> AccessPolicy for Arc<P> {
    fn decide(&self, principal: &Principal, action: Action, resource: &Resource<'_>) -> Decision {
        (**self).decide(principal, action, resource)
    }

    fn reach(&self, principal: &Principal, kind: RecordKind, action: Action) -> Reach {
        (**self).reach(principal, kind, action)
    }
}

/// Allows every action on every record, for every principal, and says so in each decision
/// ([`Rule::AllowAll`]): for tests, single-user applications, and applications that check
/// access themselves before calling the facade. Named so that a reader of the code sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllowAll;

impl AccessPolicy for AllowAll {
    fn decide(&self, _: &Principal, _: Action, _: &Resource<'_>) -> Decision {
        Decision::allow(Rule::AllowAll)
    }

    fn reach(&self, _: &Principal, _: RecordKind, _: Action) -> Reach {
        Reach::Everything
    }
}

/// Who a record reaches under a policy, for an administrator's audit: the users of a directory
/// who may take the action on it, each with the rule that allowed them, and their roles and
/// teams. See [`audience`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// The users allowed, with the rule that allowed each.
    pub users: BTreeMap<User, Rule>,
    /// The roles of those users whose grant allowed them.
    pub roles: BTreeSet<Role>,
    /// The teams those users are in.
    pub teams: BTreeSet<Team>,
}

/// Which users of `directory` may take `action` on `resource` under `policy`: "who may see this
/// record" answered by asking the policy about each user the directory knows.
pub fn audience(
    policy: &dyn AccessPolicy,
    directory: &Directory,
    action: Action,
    resource: &Resource<'_>,
) -> Audience {
    let mut audience = Audience::default();
    for user in directory.users() {
        let principal = directory.principal(user);
        let decision = policy.decide(&principal, action, resource);
        if decision.is_allowed() {
            if let Rule::Grant { role, .. } = decision.rule() {
                audience.roles.insert(role.clone());
            }
            audience.teams.extend(principal.teams().iter().cloned());
            audience.users.insert(user.clone(), decision.into_rule());
        }
    }
    audience
}

/// A policy with the directory that resolves principals, as a facade holds them: each user's
/// principal resolved once, when the directory is given.
#[derive(Debug, Clone)]
pub(crate) struct Access {
    policy: Arc<dyn AccessPolicy>,
    directory: Arc<Directory>,
    principals: Arc<BTreeMap<User, Principal>>,
    /// What a user the directory does not know is a member of: nothing, shared.
    nobody: Arc<Membership>,
}

impl Access {
    pub(crate) fn new(policy: Arc<dyn AccessPolicy>) -> Access {
        Access {
            policy,
            directory: Arc::new(Directory::new()),
            principals: Arc::new(BTreeMap::new()),
            nobody: Arc::default(),
        }
    }

    pub(crate) fn with_directory(self, directory: Directory) -> Access {
        let principals = directory
            .users()
            .map(|u| (u.clone(), directory.principal(u)))
            .collect();
        Access {
            directory: Arc::new(directory),
            principals: Arc::new(principals),
            ..self
        }
    }

    pub(crate) fn policy(&self) -> &dyn AccessPolicy {
        &*self.policy
    }

    pub(crate) fn directory(&self) -> &Directory {
        &self.directory
    }

    /// `user` as a principal: as the directory resolved them, or with no role. Either costs
    /// two reference counts, no allocation.
    pub(crate) fn principal(&self, user: &User) -> Principal {
        match self.principals.get(user) {
            Some(p) => p.clone(),
            None => Principal {
                user: user.clone(),
                of: Arc::clone(&self.nobody),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stranger_is_a_valid_user_no_directory_knows() {
        assert_eq!(
            User::new("prospect:anyone-else").map(|u| u == stranger()),
            Ok(true)
        );
    }

    #[test]
    fn a_manager_reaches_the_reports_of_their_reports_and_a_cycle_ends() {
        let u = |n: &str| User::new(n).unwrap();
        let directory = Directory::new()
            .with_manager(&u("ann"), &u("mia"))
            .with_manager(&u("mia"), &u("zoe"))
            .with_manager(&u("zoe"), &u("ann"));
        let zoe = directory.principal(&u("zoe"));
        assert!(zoe.owns(&u("ann")) && zoe.owns(&u("mia")));
        assert_eq!(zoe.reports().len(), 2, "not herself, through the cycle");
    }
}
