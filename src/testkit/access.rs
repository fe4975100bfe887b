//! The access matrix: what the conventional roles of a sales team may do
//! ([`RolePolicy::conventional`](crate::access::RolePolicy::conventional)), written out here
//! case by case and independently of the policy's code, so that any [`AccessPolicy`] claiming
//! to implement them (the crate's own, `prospect-cedar`'s) can be checked against it.
//!
//! The principal is `pat`, in team `east` with `tia`, manager of `rob` (who manages `ray`);
//! `ola` is in no team of theirs. Each case is one role of `pat` (or none), one record kind,
//! one action, and whose record it is.

use std::fmt;

use crate::access::{AccessPolicy, Action, Directory, Principal, Resource, Role, Team};
use crate::kind::RecordKind;
use crate::text::User;

/// Whose record a case is about, seen from the principal `pat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// `pat`'s own.
    Own,
    /// `rob`'s, who reports to `pat`.
    Report,
    /// `ray`'s, who reports to `rob`.
    ReportsReport,
    /// `tia`'s, in `pat`'s team.
    Teammate,
    /// `ola`'s, in no team of `pat`'s.
    Other,
    /// Nobody's.
    Unowned,
    /// `ola`'s activity or task about a record `pat` owns.
    OthersAboutOwn,
    /// `ola`'s activity or task about a record `tia` owns.
    OthersAboutTeammate,
    /// `pat`'s activity or task about a record `ola` owns.
    OwnAboutOthers,
}

impl Whose {
    /// Every case of ownership.
    pub const ALL: [Whose; 9] = [
        Whose::Own,
        Whose::Report,
        Whose::ReportsReport,
        Whose::Teammate,
        Whose::Other,
        Whose::Unowned,
        Whose::OthersAboutOwn,
        Whose::OthersAboutTeammate,
        Whose::OwnAboutOthers,
    ];
}

/// The roles of [`RolePolicy::conventional`](crate::access::RolePolicy::conventional), and no
/// role at all (`None`).
pub const ROLES: [Option<&str>; 6] = [
    None,
    Some("rep"),
    Some("manager"),
    Some("admin"),
    Some("privacy"),
    Some("viewer"),
];

/// Whether the conventional roles let a principal holding `role` take `action` on a record of
/// `kind` that is `whose`: the documented table, case by case.
pub fn expected(role: Option<&str>, kind: RecordKind, action: Action, whose: Whose) -> bool {
    let working = !matches!(action, Action::Erase);
    let work = matches!(kind, RecordKind::Activity | RecordKind::Task);
    // Work is reached through the record it is about; except to create it, through its own
    // owner too. Other records ignore what they are "about".
    let creating_work = work && action == Action::Create;
    let own = match whose {
        Whose::Own | Whose::Report | Whose::ReportsReport | Whose::Unowned => true,
        Whose::OthersAboutOwn => work,
        Whose::OwnAboutOthers => !creating_work,
        Whose::Teammate | Whose::Other | Whose::OthersAboutTeammate => false,
    };
    let team = own || whose == Whose::Teammate || (whose == Whose::OthersAboutTeammate && work);
    let everyone_reads = matches!(
        kind,
        RecordKind::Organization | RecordKind::Account | RecordKind::FieldSchema
    ) && action == Action::Read;
    // The field schema is read by every seller and changed by admins only.
    let sellers_work = working && kind != RecordKind::FieldSchema;
    match role {
        None => false,
        Some("rep") => everyone_reads || (sellers_work && own),
        Some("manager") => everyone_reads || (sellers_work && team),
        Some("admin") => working,
        Some("privacy") => {
            matches!(action, Action::Read | Action::ReadPersonal)
                || (action == Action::Erase && kind == RecordKind::Contact)
        }
        Some("viewer") => action == Action::Read,
        Some(_) => false,
    }
}

/// One case of the matrix that a policy answered otherwise than [`expected`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The role (`None`: no role).
    pub role: Option<&'static str>,
    /// The kind of record.
    pub kind: RecordKind,
    /// The action.
    pub action: Action,
    /// Whose record.
    pub whose: Whose,
    /// What the table says.
    pub expected: bool,
    /// The rule the policy gave.
    pub rule: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "role {:?} {} {} ({:?}): expected {}, the policy said {} ({})",
            self.role,
            self.action,
            self.kind,
            self.whose,
            match self.expected {
                true => "allow",
                false => "deny",
            },
            match self.expected {
                true => "deny",
                false => "allow",
            },
            self.rule
        )
    }
}

fn user(name: &str) -> User {
    User::new(name).unwrap_or_else(|_| User::erased())
}

/// The matrix's directory, with `pat` holding `role` (or none).
pub fn directory(role: Option<&str>) -> Directory {
    let east = Team::new("east").unwrap_or_else(|_| Team::erased());
    let roles: Vec<Role> = role
        .into_iter()
        .map(|r| Role::new(r).unwrap_or_else(|_| Role::erased()))
        .collect();
    Directory::new()
        .with_user(user("pat"), roles, [east.clone()])
        .with_user(user("tia"), [], [east])
        .with_user(user("ola"), [], [])
        .with_manager(&user("rob"), &user("pat"))
        .with_manager(&user("ray"), &user("rob"))
}

/// Asks `policy` every case of the matrix: roles × record kinds × actions × ownership. Returns
/// how many cases it answered as [`expected`] says, or every case it did not.
///
/// # Errors
///
/// The cases the policy answered otherwise.
pub fn check_conventional(policy: &dyn AccessPolicy) -> Result<usize, Vec<Mismatch>> {
    let (pat, rob, ray, tia, ola) = (
        user("pat"),
        user("rob"),
        user("ray"),
        user("tia"),
        user("ola"),
    );
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for role in ROLES {
        let principal: Principal = directory(role).principal(&pat);
        for kind in RecordKind::ALL {
            for action in Action::ALL {
                for whose in Whose::ALL {
                    let resource = Resource::new(kind);
                    let resource = match whose {
                        Whose::Own => resource.owned_by(Some(&pat)),
                        Whose::Report => resource.owned_by(Some(&rob)),
                        Whose::ReportsReport => resource.owned_by(Some(&ray)),
                        Whose::Teammate => resource.owned_by(Some(&tia)),
                        Whose::Other => resource.owned_by(Some(&ola)),
                        Whose::Unowned => resource,
                        Whose::OthersAboutOwn => {
                            resource.owned_by(Some(&ola)).about_owned_by(Some(&pat))
                        }
                        Whose::OthersAboutTeammate => {
                            resource.owned_by(Some(&ola)).about_owned_by(Some(&tia))
                        }
                        Whose::OwnAboutOthers => {
                            resource.owned_by(Some(&pat)).about_owned_by(Some(&ola))
                        }
                    };
                    let decision = policy.decide(&principal, action, &resource);
                    let expected = expected(role, kind, action, whose);
                    checked += 1;
                    if decision.is_allowed() != expected {
                        mismatches.push(Mismatch {
                            role,
                            kind,
                            action,
                            whose,
                            expected,
                            rule: decision.rule().to_string(),
                        });
                    }
                }
            }
        }
    }
    match mismatches.is_empty() {
        true => Ok(checked),
        false => Err(mismatches),
    }
}
