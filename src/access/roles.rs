//! [`RolePolicy`]: the CRM conventions, per role, record kind and action, a [`Level`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{AccessPolicy, Action, Decision, Level, Principal, Reach, Resource, Role, Rule};
use crate::kind::RecordKind;

/// What one role may do: for each record kind and action, a [`Level`] (none by default), and
/// whether the role works the pool (records nobody owns count as its own).
///
/// ```
/// use prospect::access::{Action, Grants, Level};
/// use prospect::record::RecordKind;
/// let rep = Grants::none()
///     .grant_every_kind(Action::Read, Level::Team)
///     .grant(RecordKind::Lead, Action::Edit, Level::Own)
///     .works_pool();
/// assert_eq!(rep.level(RecordKind::Opportunity, Action::Read), Level::Team);
/// assert_eq!(rep.level(RecordKind::Lead, Action::Erase), Level::None);
/// ```
///
/// Serialised as `{"levels": {"lead": {"edit": "own", ...}, ...}, "pool": true}`, the levels
/// other than `none` only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "GrantsForm", into = "GrantsForm")]
pub struct Grants {
    /// By kind and action, in the order of [`RecordKind::ALL`] and [`Action::ALL`]: a
    /// decision reads its level in constant time.
    levels: [[Level; Action::ALL.len()]; RecordKind::ALL.len()],
    pool: bool,
}

/// [`Grants`] as data.
#[derive(Serialize, Deserialize)]
struct GrantsForm {
    levels: BTreeMap<RecordKind, BTreeMap<Action, Level>>,
    #[serde(default)]
    pool: bool,
}

impl From<GrantsForm> for Grants {
    fn from(form: GrantsForm) -> Grants {
        let grants = Grants {
            pool: form.pool,
            ..Grants::none()
        };
        form.levels.into_iter().fold(grants, |g, (kind, actions)| {
            actions
                .into_iter()
                .fold(g, |g, (action, level)| g.grant(kind, action, level))
        })
    }
}

impl From<Grants> for GrantsForm {
    fn from(grants: Grants) -> GrantsForm {
        let mut levels: BTreeMap<RecordKind, BTreeMap<Action, Level>> = BTreeMap::new();
        for kind in RecordKind::ALL {
            for action in Action::ALL {
                let level = grants.level(kind, action);
                if level != Level::None {
                    levels.entry(kind).or_default().insert(action, level);
                }
            }
        }
        GrantsForm {
            levels,
            pool: grants.pool,
        }
    }
}

impl Default for Grants {
    fn default() -> Grants {
        Grants {
            levels: [[Level::None; Action::ALL.len()]; RecordKind::ALL.len()],
            pool: false,
        }
    }
}

impl Grants {
    /// Nothing: every action at [`Level::None`].
    pub fn none() -> Grants {
        Grants::default()
    }

    /// The same, with `action` on records of `kind` at `level` (replacing what it was).
    pub fn grant(mut self, kind: RecordKind, action: Action, level: Level) -> Grants {
        self.levels[kind as usize][action as usize] = level;
        self
    }

    /// The same, with `action` on records of every kind at `level`.
    pub fn grant_every_kind(self, action: Action, level: Level) -> Grants {
        RecordKind::ALL
            .into_iter()
            .fold(self, |g, kind| g.grant(kind, action, level))
    }

    /// The same, with every action but [`Action::Erase`] on records of every kind at `level`.
    pub fn grant_working(self, level: Level) -> Grants {
        [
            Action::Read,
            Action::ReadPersonal,
            Action::Create,
            Action::Edit,
            Action::Reassign,
        ]
        .into_iter()
        .fold(self, |g, action| g.grant_every_kind(action, level))
    }

    /// The same, working the pool: records nobody owns count as the role's own, at every
    /// action it holds at [`Level::Own`] or more.
    pub fn works_pool(self) -> Grants {
        Grants { pool: true, ..self }
    }

    /// The level of `action` on records of `kind`.
    pub fn level(&self, kind: RecordKind, action: Action) -> Level {
        self.levels[kind as usize][action as usize]
    }

    /// Whether the role works the pool ([`works_pool`](Self::works_pool)).
    pub fn pool(&self) -> bool {
        self.pool
    }

    /// Whether `level` of this role reaches `resource` for `principal` taking `action`. An
    /// activity or a task is reached through the record it is about, and also, except to
    /// create one, through its own owner (an activity's author, a task's assignee).
    fn reaches(
        &self,
        level: Level,
        action: Action,
        principal: &Principal,
        resource: &Resource<'_>,
    ) -> bool {
        let by = |team: bool| {
            move |owner: &crate::text::User| match team {
                true => principal.shares_team_with(owner),
                false => principal.owns(owner),
            }
        };
        let work = matches!(resource.kind(), RecordKind::Activity | RecordKind::Task);
        let reached = |team: bool| {
            let owner = match resource.owner() {
                Some(owner) => by(team)(owner),
                None => self.pool,
            };
            match (work, resource.about().map(by(team))) {
                (true, Some(about)) if action == Action::Create => about,
                (true, Some(about)) => about || owner,
                _ => owner,
            }
        };
        match level {
            Level::None => false,
            Level::Own => reached(false),
            Level::Team => reached(true),
            Level::All => true,
        }
    }
}

/// The built-in access policy, by the CRM conventions (EspoCRM's roles, Salesforce's and Odoo's
/// "own" and "all" records): each role holds a [`Level`] per record kind and action, and a
/// principal may take an action when one of their roles reaches the record at its level.
///
/// **Least privilege**: a principal with no role, or whose roles are not in the policy, may do
/// nothing; no record kind and no action is allowed by default. [`RolePolicy::conventional`]
/// gives the usual roles of a sales team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePolicy {
    roles: BTreeMap<Role, Grants>,
}

impl RolePolicy {
    /// A policy with no role: it denies everything.
    pub fn new() -> RolePolicy {
        RolePolicy::default()
    }

    /// The same policy, with `role` granted `grants` (replacing what it held).
    pub fn with_role(mut self, role: Role, grants: Grants) -> RolePolicy {
        self.roles.insert(role, grants);
        self
    }

    /// The roles and their grants.
    pub fn roles(&self) -> &BTreeMap<Role, Grants> {
        &self.roles
    }

    /// The usual roles of a sales team:
    ///
    /// | role | may |
    /// |---|---|
    /// | `rep` | read every organization and account, and the field schema; create, read (with personal data), edit and hand over their own contacts, leads, opportunities, activities and tasks; works the pool |
    /// | `manager` | what `rep` may, at their team's and reports' records |
    /// | `admin` | everything but erasure, on every record, and change the field schema |
    /// | `privacy` | read every record with its personal data, and erase contacts: the data protection officer's role |
    /// | `viewer` | read every record, without personal data |
    pub fn conventional() -> RolePolicy {
        let role = |name: &str| Role::new(name).unwrap_or_else(|_| Role::erased());
        let seller = |level| {
            let grants = Grants::none()
                .grant_working(level)
                .grant(RecordKind::Organization, Action::Read, Level::All)
                .grant(RecordKind::Account, Action::Read, Level::All)
                .works_pool();
            // The field schema: read by every seller, changed by admins only.
            Action::ALL
                .into_iter()
                .fold(grants, |g, action| {
                    g.grant(RecordKind::FieldSchema, action, Level::None)
                })
                .grant(RecordKind::FieldSchema, Action::Read, Level::All)
        };
        RolePolicy::new()
            .with_role(role("rep"), seller(Level::Own))
            .with_role(role("manager"), seller(Level::Team))
            .with_role(role("admin"), Grants::none().grant_working(Level::All))
            .with_role(
                role("privacy"),
                Grants::none()
                    .grant_every_kind(Action::Read, Level::All)
                    .grant_every_kind(Action::ReadPersonal, Level::All)
                    .grant(RecordKind::Contact, Action::Erase, Level::All),
            )
            .with_role(
                role("viewer"),
                Grants::none().grant_every_kind(Action::Read, Level::All),
            )
    }
}

impl AccessPolicy for RolePolicy {
    fn decide(&self, principal: &Principal, action: Action, resource: &Resource<'_>) -> Decision {
        let kind = resource.kind();
        for role in principal.roles() {
            let Some(grants) = self.roles.get(role) else {
                continue;
            };
            let level = grants.level(kind, action);
            if grants.reaches(level, action, principal, resource) {
                return Decision::allow(Rule::Grant {
                    role: role.clone(),
                    kind,
                    action,
                    level,
                });
            }
        }
        Decision::deny(Rule::NoGrant { kind, action })
    }

    fn reach(&self, principal: &Principal, kind: RecordKind, action: Action) -> Reach {
        let grants = principal.roles().iter().filter_map(|r| self.roles.get(r));
        let (mut level, mut unowned) = (Level::None, false);
        for g in grants {
            let l = g.level(kind, action);
            level = level.max(l);
            unowned |= l == Level::All || (g.pool && l >= Level::Own);
        }
        match level {
            Level::All => Reach::Everything,
            Level::None => Reach::Owners {
                owners: Default::default(),
                unowned: false,
            },
            level => Reach::Owners {
                owners: principal.reach(level == Level::Team).cloned().collect(),
                unowned,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables index by declaration order: it must be the order of `ALL`.
    #[test]
    fn kinds_and_actions_index_in_the_order_of_all() {
        for (i, kind) in RecordKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, i);
        }
        for (i, action) in Action::ALL.into_iter().enumerate() {
            assert_eq!(action as usize, i);
        }
    }

    #[test]
    fn grants_serialise_as_the_levels_they_grant_and_read_back() {
        let rep = Grants::none()
            .grant(RecordKind::Lead, Action::Edit, Level::Own)
            .works_pool();
        let json = serde_json::to_value(&rep).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"levels": {"lead": {"edit": "own"}}, "pool": true})
        );
        assert_eq!(serde_json::from_value::<Grants>(json).unwrap(), rep);
        let policy = RolePolicy::conventional();
        let text = serde_json::to_string(&policy).unwrap();
        assert_eq!(serde_json::from_str::<RolePolicy>(&text).unwrap(), policy);
    }
}
