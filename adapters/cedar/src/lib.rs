//! `prospect`'s access policy in the [Cedar](https://www.cedarpolicy.com) policy language.
//!
//! [`CedarPolicy`] implements [`AccessPolicy`] with the `cedar-policy` crate: each decision is a
//! Cedar authorization request (the principal, the action, the record), answered by a policy
//! set that was **validated against a schema generated from prospect's record kinds and
//! actions** ([`schema_text`]) before use: a policy naming an attribute or an action that does
//! not exist, or comparing an owner with a number, is refused when the policy is made, not
//! silently denied at run time.
//!
//! Two ways to make one:
//!
//! - [`CedarPolicy::from_role_policy`]: the built-in [`RolePolicy`] written in Cedar
//!   ([`role_policy_text`]), one `permit` per role, kind, action and level, each with an `@id`
//!   that the decision names as its rule. It answers the access matrix exactly as the
//!   `RolePolicy` does (`tests/matrix.rs`).
//! - [`CedarPolicy::new`]: any Cedar policy set the application writes against the schema
//!   (`forbid` rules included, which Cedar makes win over every `permit`).
//!
//! ```
//! use prospect::access::{AccessPolicy, Action, Directory, Resource, Role, RolePolicy};
//! use prospect::record::RecordKind;
//! use prospect::User;
//! use prospect_cedar::CedarPolicy;
//! let cedar = CedarPolicy::from_role_policy(&RolePolicy::conventional())?;
//! let (ann, bob) = (User::new("ann")?, User::new("bob")?);
//! let directory = Directory::new().with_user(ann.clone(), [Role::new("rep")?], []);
//! let anns = directory.principal(&ann);
//! let own = Resource::new(RecordKind::Lead).owned_by(Some(&ann));
//! let decision = cedar.decide(&anns, Action::Edit, &own);
//! assert!(decision.is_allowed());
//! assert_eq!(decision.rule().to_string(), "policy rep: edit lead at level own permits");
//! let bobs = Resource::new(RecordKind::Lead).owned_by(Some(&bob));
//! assert!(!cedar.decide(&anns, Action::Edit, &bobs).is_allowed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! In Cedar, the principal is a `User` entity whose parents are its `Role`s and `Team`s, with
//! the users it reaches as attributes (`reports`, `teammates`: resolved by prospect's
//! [`Directory`](prospect::access::Directory)); a record is an entity of its kind with an
//! optional `owner`, and for an activity or a task an optional `about` (the owner of the record
//! it is about).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
    RestrictedExpression, Schema, ValidationMode, Validator,
};
use prospect::access::{
    AccessPolicy, Action, Decision, Grants, Level, Principal, Resource, RolePolicy, Rule,
};
use prospect::record::RecordKind;

/// Why a Cedar policy could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CedarError {
    /// The policy text does not parse.
    #[error("the Cedar policies do not parse: {0}")]
    Parse(String),
    /// The policies do not validate against prospect's schema ([`schema_text`]).
    #[error("the Cedar policies do not validate against prospect's schema: {0}")]
    Invalid(String),
    /// The generated schema does not parse (a bug of this crate).
    #[error("the generated Cedar schema does not parse: {0}")]
    Schema(String),
}

/// The Cedar entity type of a record kind: `Contact`, `Lead`, ...
pub fn entity_type(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Contact => "Contact",
        RecordKind::Lead => "Lead",
        RecordKind::Opportunity => "Opportunity",
        RecordKind::Account => "Account",
        RecordKind::Activity => "Activity",
        RecordKind::Task => "Task",
        RecordKind::Organization => "Organization",
        RecordKind::FieldSchema => "FieldSchema",
    }
}

/// Whether records of `kind` are work about another record (an activity, a task).
fn is_work(kind: RecordKind) -> bool {
    matches!(kind, RecordKind::Activity | RecordKind::Task)
}

/// The Cedar schema of prospect's principals, records and actions, generated from
/// [`RecordKind::ALL`] and [`Action::ALL`]: every policy is validated against it.
pub fn schema_text() -> String {
    let mut s = String::from(
        "entity Role;\nentity Team;\n\
         entity User in [Role, Team] { reports: Set<User>, teammates: Set<User> };\n",
    );
    for kind in RecordKind::ALL {
        let about = if is_work(kind) { ", about?: User" } else { "" };
        let _ = writeln!(s, "entity {} {{ owner?: User{about} }};", entity_type(kind));
    }
    let actions: Vec<String> = Action::ALL.iter().map(|a| format!("\"{a}\"")).collect();
    let resources: Vec<&str> = RecordKind::ALL.iter().map(|k| entity_type(*k)).collect();
    let _ = writeln!(
        s,
        "action {} appliesTo {{ principal: [User], resource: [{}], context: {{}} }};",
        actions.join(", "),
        resources.join(", ")
    );
    s
}

/// A Cedar string literal of `text`.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `who` (a Cedar expression naming a user) is reached at `level`.
fn reaches(who: &str, level: Level) -> String {
    let own = format!("({who} == principal || principal.reports.contains({who}))");
    match level {
        Level::Team => format!("({own} || principal.teammates.contains({who}))"),
        _ => own,
    }
}

/// The condition of one grant at `level` (Own or Team) on `kind` for `action`, the rules of
/// [`RolePolicy`]: the owner reached, or nobody's with the pool; work through the record it is
/// about, and except to create it through its own owner too.
fn condition(kind: RecordKind, action: Action, level: Level, pool: bool) -> String {
    let owner = match pool {
        true => format!(
            "((resource has owner && {}) || !(resource has owner))",
            reaches("resource.owner", level)
        ),
        false => format!(
            "(resource has owner && {})",
            reaches("resource.owner", level)
        ),
    };
    if !is_work(kind) {
        return owner;
    }
    let about = format!(
        "(resource has about && {})",
        reaches("resource.about", level)
    );
    match action {
        Action::Create => format!("{about} || (!(resource has about) && {owner})"),
        _ => format!("{about} || {owner}"),
    }
}

/// The built-in [`RolePolicy`] written in Cedar: for each role, record kind and action it
/// grants, one `permit` with an `@id` naming the grant (`"rep: edit lead at level own"`).
pub fn role_policy_text(roles: &RolePolicy) -> String {
    let mut text = String::new();
    for (role, grants) in roles.roles() {
        grants_text(&mut text, role.as_str(), grants);
    }
    text
}

fn grants_text(text: &mut String, role: &str, grants: &Grants) {
    for kind in RecordKind::ALL {
        for action in Action::ALL {
            let level = grants.level(kind, action);
            if level == Level::None {
                continue;
            }
            let id = format!("{role}: {action} {kind} at level {level}");
            let _ = write!(
                text,
                "@id({})\npermit(principal in Role::{}, action == Action::\"{action}\", resource is {})",
                literal(&id),
                literal(role),
                entity_type(kind)
            );
            match level {
                Level::All => text.push_str(";\n"),
                _ => {
                    let when = condition(kind, action, level, grants.pool());
                    let _ = writeln!(text, "\nwhen {{ {when} }};");
                }
            }
        }
    }
}

/// An [`AccessPolicy`] answered by Cedar: a policy set validated against prospect's schema.
pub struct CedarPolicy {
    policies: PolicySet,
    schema: Schema,
    authorizer: Authorizer,
}

impl fmt::Debug for CedarPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CedarPolicy")
            .field("policies", &self.policies.policies().count())
            .finish_non_exhaustive()
    }
}

impl CedarPolicy {
    /// The Cedar policies of `text`, validated (strictly) against prospect's schema.
    ///
    /// # Errors
    ///
    /// [`CedarError::Parse`] when the text does not parse, [`CedarError::Invalid`] when a
    /// policy does not validate (an unknown attribute, action or entity type, a type error).
    pub fn new(text: &str) -> Result<CedarPolicy, CedarError> {
        let (schema, _warnings) = Schema::from_cedarschema_str(&schema_text())
            .map_err(|e| CedarError::Schema(e.to_string()))?;
        let policies = PolicySet::from_str(text).map_err(|e| CedarError::Parse(e.to_string()))?;
        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !validation.validation_passed() {
            let errors: Vec<String> = validation
                .validation_errors()
                .map(|e| e.to_string())
                .collect();
            return Err(CedarError::Invalid(errors.join("; ")));
        }
        Ok(CedarPolicy {
            policies,
            schema,
            authorizer: Authorizer::new(),
        })
    }

    /// `roles` written in Cedar ([`role_policy_text`]), validated.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new); the generated text always validates (a test holds it).
    pub fn from_role_policy(roles: &RolePolicy) -> Result<CedarPolicy, CedarError> {
        CedarPolicy::new(&role_policy_text(roles))
    }

    /// The policies, as Cedar text.
    pub fn policies_text(&self) -> String {
        self.policies.to_string()
    }

    /// The rule a policy of the set is known by: its `@id`, else the id Cedar gave it.
    fn rule_of(&self, id: &cedar_policy::PolicyId, allows: bool) -> Rule {
        let name = self
            .policies
            .annotation(id, "id")
            .map_or_else(|| id.to_string(), str::to_string);
        Rule::Named { id: name, allows }
    }

    fn request(
        &self,
        principal: &Principal,
        action: Action,
        resource: &Resource<'_>,
    ) -> Result<(Request, Entities), String> {
        let uid = |ty: &str, id: &str| -> Result<EntityUid, String> {
            let ty = EntityTypeName::from_str(ty).map_err(|e| e.to_string())?;
            Ok(EntityUid::from_type_name_and_id(ty, EntityId::new(id)))
        };
        let user = |name: &str| uid("User", name);
        let users = |set: &std::collections::BTreeSet<prospect::User>| {
            set.iter()
                .map(|u| user(u.as_str()).map(RestrictedExpression::new_entity_uid))
                .collect::<Result<Vec<_>, _>>()
                .map(RestrictedExpression::new_set)
        };
        let me = user(principal.user().as_str())?;
        let mut parents = HashSet::new();
        for role in principal.roles() {
            parents.insert(uid("Role", role.as_str())?);
        }
        for team in principal.teams() {
            parents.insert(uid("Team", team.as_str())?);
        }
        let attrs = HashMap::from([
            ("reports".to_string(), users(principal.reports())?),
            ("teammates".to_string(), users(principal.teammates())?),
        ]);
        let principal_entity =
            Entity::new(me.clone(), attrs, parents).map_err(|e| e.to_string())?;
        let id = resource
            .id()
            .map_or_else(|| "new".to_string(), |id| id.to_string());
        let record = uid(entity_type(resource.kind()), &id)?;
        let mut attrs = HashMap::new();
        if let Some(owner) = resource.owner() {
            let owner = RestrictedExpression::new_entity_uid(user(owner.as_str())?);
            attrs.insert("owner".to_string(), owner);
        }
        if let (Some(about), true) = (resource.about(), is_work(resource.kind())) {
            let about = RestrictedExpression::new_entity_uid(user(about.as_str())?);
            attrs.insert("about".to_string(), about);
        }
        let record_entity =
            Entity::new(record.clone(), attrs, HashSet::new()).map_err(|e| e.to_string())?;
        let entities = Entities::from_entities([principal_entity, record_entity], None)
            .map_err(|e| e.to_string())?;
        let action = uid("Action", action.as_str())?;
        let request = Request::new(me, action, record, Context::empty(), Some(&self.schema))
            .map_err(|e| e.to_string())?;
        Ok((request, entities))
    }
}

impl AccessPolicy for CedarPolicy {
    fn decide(&self, principal: &Principal, action: Action, resource: &Resource<'_>) -> Decision {
        let (request, entities) = match self.request(principal, action, resource) {
            Ok(made) => made,
            Err(problem) => {
                return Decision::deny(Rule::Named {
                    id: format!("prospect-cedar could not ask: {problem}"),
                    allows: false,
                });
            }
        };
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &entities);
        let mut reasons: Vec<_> = response.diagnostics().reason().collect();
        reasons.sort();
        match (response.decision(), reasons.first()) {
            (cedar_policy::Decision::Allow, Some(id)) => Decision::allow(self.rule_of(id, true)),
            (cedar_policy::Decision::Allow, None) => Decision::deny(Rule::NoneMatched),
            (cedar_policy::Decision::Deny, Some(id)) => Decision::deny(self.rule_of(id, false)),
            (cedar_policy::Decision::Deny, None) => Decision::deny(Rule::NoneMatched),
        }
    }
}
