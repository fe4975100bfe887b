//! The Cedar policy answers the same access matrix as prospect's `RolePolicy`, and is
//! validated against the schema before use.

use prospect::access::{
    AccessPolicy, Action, AllowAll, Directory, Grants, Level, Resource, Role, RolePolicy,
};
use prospect::memory::MemoryStore;
use prospect::record::RecordKind;
use prospect::testkit::access::{ROLES, Whose, check_conventional};
use prospect::{Crm, CrmError, OnDuplicate, User};
use prospect_cedar::{CedarError, CedarPolicy, role_policy_text, schema_text};

#[test]
fn the_conventional_roles_in_cedar_answer_the_whole_matrix() {
    let cedar = CedarPolicy::from_role_policy(&RolePolicy::conventional()).unwrap();
    let checked = check_conventional(&cedar).unwrap_or_else(|mismatches| {
        panic!(
            "{} cases differ:\n{}",
            mismatches.len(),
            mismatches
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(
        checked,
        ROLES.len() * RecordKind::ALL.len() * Action::ALL.len() * Whose::ALL.len()
    );
}

#[test]
fn the_matrix_catches_a_cedar_policy_that_grants_too_much() {
    let text = role_policy_text(&RolePolicy::conventional())
        + "permit(principal in Role::\"rep\", action == Action::\"erase\", resource is Contact);";
    let loose = CedarPolicy::new(&text).unwrap();
    let mismatches = check_conventional(&loose).unwrap_err();
    assert!(
        mismatches
            .iter()
            .all(|m| m.role == Some("rep") && m.action == Action::Erase && !m.expected)
    );
}

#[test]
fn a_forbid_wins_and_is_named() {
    let text = role_policy_text(&RolePolicy::conventional())
        + "@id(\"no one erases\")\nforbid(principal, action == Action::\"erase\", resource);";
    let cedar = CedarPolicy::new(&text).unwrap();
    let pam = User::new("pam").unwrap();
    let directory = Directory::new().with_user(pam.clone(), [Role::new("privacy").unwrap()], []);
    let decision = cedar.decide(
        &directory.principal(&pam),
        Action::Erase,
        &Resource::new(RecordKind::Contact),
    );
    assert!(!decision.is_allowed());
    assert_eq!(decision.rule().to_string(), "policy no one erases forbids");
}

#[test]
fn policies_are_validated_against_the_schema_before_use() {
    // An attribute records do not have.
    let bad = "permit(principal, action == Action::\"read\", resource is Lead) when { resource.amount > 3 };";
    assert!(matches!(CedarPolicy::new(bad), Err(CedarError::Invalid(_))));
    // An action prospect does not have.
    let bad = "permit(principal, action == Action::\"delete\", resource);";
    assert!(matches!(CedarPolicy::new(bad), Err(CedarError::Invalid(_))));
    // An optional attribute read without `has`.
    let bad = "permit(principal, action == Action::\"read\", resource is Lead) when { resource.owner == principal };";
    assert!(matches!(CedarPolicy::new(bad), Err(CedarError::Invalid(_))));
    assert!(matches!(
        CedarPolicy::new("permit("),
        Err(CedarError::Parse(_))
    ));
    // The schema names every kind and action.
    let schema = schema_text();
    for kind in RecordKind::ALL {
        assert!(schema.contains(prospect_cedar::entity_type(kind)));
    }
    for action in Action::ALL {
        assert!(schema.contains(&format!("\"{action}\"")));
    }
}

#[test]
fn random_role_policies_decide_alike_in_cedar() {
    use proptest::prelude::*;
    let level = prop_oneof![
        Just(Level::None),
        Just(Level::Own),
        Just(Level::Team),
        Just(Level::All)
    ];
    let grants = (
        proptest::collection::vec(level, RecordKind::ALL.len() * Action::ALL.len()),
        any::<bool>(),
    );
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 8,
        ..Default::default()
    });
    runner
        .run(&grants, |(levels, pool)| {
            let mut g = Grants::none();
            for (i, level) in levels.into_iter().enumerate() {
                let kind = RecordKind::ALL[i / Action::ALL.len()];
                g = g.grant(kind, Action::ALL[i % Action::ALL.len()], level);
            }
            let g = if pool { g.works_pool() } else { g };
            let roles = RolePolicy::new().with_role(Role::new("r").unwrap(), g);
            let cedar = CedarPolicy::from_role_policy(&roles).unwrap();
            let directory = prospect::testkit::access::directory(Some("r"));
            let principal = directory.principal(&User::new("pat").unwrap());
            let users: Vec<User> = ["pat", "rob", "ray", "tia", "ola"]
                .iter()
                .map(|u| User::new(u).unwrap())
                .collect();
            for kind in RecordKind::ALL {
                for action in Action::ALL {
                    for owner in users.iter().map(Some).chain([None]) {
                        for about in users.iter().map(Some).chain([None]) {
                            let r = Resource::new(kind).owned_by(owner).about_owned_by(about);
                            prop_assert_eq!(
                                roles.decide(&principal, action, &r).is_allowed(),
                                cedar.decide(&principal, action, &r).is_allowed(),
                                "{:?} {:?} {:?} {:?}",
                                kind,
                                action,
                                owner,
                                about
                            );
                        }
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_facade_asks_cedar() {
    let store = MemoryStore::new();
    let ann = User::new("ann").unwrap();
    let bob = User::new("bob").unwrap();
    let rep = Role::new("rep").unwrap();
    let directory = Directory::new()
        .with_user(ann.clone(), [rep.clone()], [])
        .with_user(bob.clone(), [rep], []);
    let cedar = CedarPolicy::from_role_policy(&RolePolicy::conventional()).unwrap();
    let crm = Crm::new(&store, cedar).with_directory(directory);
    let sample = prospect::testkit::Sample::new(3);
    let details = sample.contact_details().with_owner(ann.clone());
    let contact = Crm::new(&store, AllowAll)
        .create_contact(details, OnDuplicate::Refuse, &ann)
        .unwrap()
        .into_contact();
    assert!(crm.read(contact.id(), &ann).is_ok());
    assert!(matches!(
        crm.read(contact.id(), &bob),
        Err(CrmError::NotFound(_))
    ));
    let contact = crm.load::<prospect::Contact>(contact.id(), &ann).unwrap();
    match crm.erase_contact(contact, &ann) {
        Err(CrmError::Forbidden { rule, .. }) => {
            assert_eq!(rule.to_string(), "no policy permits (default deny)")
        }
        other => panic!("expected forbidden, got {other:?}"),
    }
}
