//! Who may do what: the role policy's matrix, and the facades asking the policy before every
//! step and every read (denied steps write nothing, denied reads are not found, personal data
//! is redacted, lists reach only what the policy reaches).

use prospect::access::{
    AccessPolicy, Action, AllowAll, Directory, Grants, Level, Reach, Role, RolePolicy, Rule, Team,
};
use prospect::funnel::Scope;
use prospect::memory::MemoryStore;
use prospect::record::{Record, RecordId, RecordKind};
use prospect::state::{New, Working};
use prospect::store::{Query, Versioned};
use prospect::testkit::Sample;
use prospect::testkit::access::{ROLES, Whose, check_conventional, expected};
use prospect::*;

fn user(name: &str) -> User {
    User::new(name).unwrap()
}

fn role(name: &str) -> Role {
    Role::new(name).unwrap()
}

/// A sales team: `mia` manages `ann` and `bob` (reps in team `east`); `cy` is a rep in `west`;
/// `pam` holds the privacy role, `vic` the viewer's; `zed` has no role.
fn team() -> Directory {
    let (east, west) = (Team::new("east").unwrap(), Team::new("west").unwrap());
    Directory::new()
        .with_user(user("ann"), [role("rep")], [east.clone()])
        .with_user(user("bob"), [role("rep")], [east.clone()])
        .with_user(user("cy"), [role("rep")], [west])
        .with_user(user("mia"), [role("manager")], [east])
        .with_manager(&user("ann"), &user("mia"))
        .with_manager(&user("bob"), &user("mia"))
        .with_user(user("pam"), [role("privacy")], [])
        .with_user(user("vic"), [role("viewer")], [])
}

/// The same store, seen by the set-up (which may do everything) and by the team.
struct Office {
    store: MemoryStore,
    sample: Sample,
}

impl Office {
    fn new() -> Office {
        Office {
            store: MemoryStore::new(),
            sample: Sample::new(7),
        }
    }

    fn setup(&self) -> Crm<&MemoryStore> {
        Crm::new(&self.store, AllowAll)
    }

    fn team(&self) -> Crm<&MemoryStore> {
        Crm::new(&self.store, RolePolicy::conventional()).with_directory(team())
    }

    /// A contact and a new lead owned by `owner` (nobody: `None`).
    fn lead_of(&self, owner: Option<&str>) -> (Versioned<Contact>, Versioned<Lead<New>>) {
        let mut details = self.sample.contact_details();
        details.email = None;
        details.owner = owner.map(user);
        let crm = self.setup();
        let contact = crm
            .create_contact(details, OnDuplicate::Refuse, &user("setup"))
            .unwrap()
            .into_contact();
        let lead = crm
            .open_lead(&contact, self.sample.interest(), &user("setup"))
            .unwrap();
        (contact, lead)
    }

    fn snapshot(&self) -> (Vec<Record>, usize) {
        (
            crate::support::everything(&self.store),
            crate::support::all_events(&self.store).len(),
        )
    }
}

#[test]
fn the_role_policy_answers_the_whole_matrix() {
    let checked = check_conventional(&RolePolicy::conventional()).unwrap();
    assert_eq!(
        checked,
        ROLES.len() * RecordKind::ALL.len() * Action::ALL.len() * Whose::ALL.len()
    );
}

#[test]
fn the_matrix_catches_a_policy_that_grants_one_level_too_many() {
    let loose = RolePolicy::conventional().with_role(
        role("rep"),
        RolePolicy::conventional().roles()[&role("rep")]
            .clone()
            .grant(RecordKind::Lead, Action::Edit, Level::Team),
    );
    let mismatches = check_conventional(&loose).unwrap_err();
    assert!(!mismatches.is_empty());
    assert!(mismatches.iter().all(|m| m.role == Some("rep")
        && m.kind == RecordKind::Lead
        && m.action == Action::Edit
        && !m.expected));
    assert!(mismatches.iter().any(|m| m.whose == Whose::Teammate));
    // And one that forgets the pool.
    let closed = RolePolicy::conventional().with_role(
        role("rep"),
        Action::ALL
            .into_iter()
            .fold(Grants::none().grant_working(Level::Own), |g, action| {
                g.grant(RecordKind::FieldSchema, action, Level::None)
            })
            .grant(RecordKind::FieldSchema, Action::Read, Level::All)
            .grant(RecordKind::Organization, Action::Read, Level::All)
            .grant(RecordKind::Account, Action::Read, Level::All),
    );
    let mismatches = check_conventional(&closed).unwrap_err();
    assert!(
        mismatches
            .iter()
            .all(|m| m.whose == Whose::Unowned && m.expected)
    );
}

#[test]
fn the_table_itself_holds_the_conventions() {
    // Least privilege: no role, nothing.
    for kind in RecordKind::ALL {
        for action in Action::ALL {
            for whose in Whose::ALL {
                assert!(!expected(None, kind, action, whose));
            }
        }
    }
    assert!(expected(
        Some("manager"),
        RecordKind::Lead,
        Action::Edit,
        Whose::ReportsReport
    ));
    assert!(!expected(
        Some("admin"),
        RecordKind::Contact,
        Action::Erase,
        Whose::Own
    ));
    assert!(expected(
        Some("privacy"),
        RecordKind::Contact,
        Action::Erase,
        Whose::Other
    ));
}

#[test]
fn a_principal_with_no_role_may_do_nothing() {
    let office = Office::new();
    let (contact, lead) = office.lead_of(Some("zed"));
    let crm = office.team();
    let zed = user("zed");
    let before = office.snapshot();
    let created = crm.create_contact(
        office.sample.contact_details().with_owner(zed.clone()),
        OnDuplicate::Refuse,
        &zed,
    );
    match created {
        Err(CrmError::Forbidden {
            action: Action::Create,
            kind: RecordKind::Contact,
            record: Some(_),
            rule: Rule::NoGrant { .. },
        }) => {}
        other => panic!("expected a forbidden create, got {other:?}"),
    }
    assert!(matches!(
        crm.read(contact.id(), &zed),
        Err(CrmError::NotFound(_))
    ));
    assert!(matches!(
        crm.log_touch(lead, office.sample.touch(), &zed),
        Err(CrmError::Forbidden {
            action: Action::Edit,
            ..
        })
    ));
    let listed = crm
        .list(&Query::of_kind(RecordKind::Contact), None, 50, &zed)
        .unwrap();
    assert!(listed.records.is_empty());
    assert_eq!(office.snapshot(), before);
    // Even a user the directory does not know.
    let stranger = user("mallory");
    assert!(matches!(
        crm.read(contact.id(), &stranger),
        Err(CrmError::NotFound(_))
    ));
}

#[test]
fn a_denied_step_writes_nothing_and_names_the_action_the_record_and_the_rule() {
    let office = Office::new();
    let (_, lead) = office.lead_of(Some("bob"));
    let crm = office.team();
    let before = office.snapshot();
    let id = lead.id();
    let err = crm
        .log_touch(lead, office.sample.touch(), &user("cy"))
        .unwrap_err();
    match &err {
        CrmError::Forbidden {
            action,
            kind,
            record,
            rule,
        } => {
            assert_eq!(*action, Action::Edit);
            assert_eq!(*kind, RecordKind::Lead);
            assert_eq!(*record, Some(RecordId::Lead(id)));
            assert_eq!(
                *rule,
                Rule::NoGrant {
                    kind: RecordKind::Lead,
                    action: Action::Edit
                }
            );
        }
        other => panic!("expected forbidden, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "forbidden: edit on lead {}: no role of the principal may edit this lead (least privilege)",
            RecordId::Lead(id)
        )
    );
    assert_eq!(office.snapshot(), before);
}

#[test]
fn reps_work_their_own_records_and_managers_their_teams_and_reports() {
    let office = Office::new();
    let (_, anns) = office.lead_of(Some("ann"));
    let crm = office.team();
    // Ann's lead: Ann may touch it; so may Mia, her manager; Bob (same team, a rep) may not.
    let lead = crm.load::<Lead<New>>(anns.id(), &user("ann")).unwrap();
    assert!(matches!(
        crm.load::<Lead<New>>(anns.id(), &user("bob")),
        Err(CrmError::NotFound(_))
    ));
    let lead = crm
        .log_touch(lead, office.sample.touch(), &user("mia"))
        .unwrap();
    let lead = crm
        .nurture(lead, office.sample.note("later"), &user("ann"))
        .unwrap();
    // Ann hands it over to Cy, in another team: from then on it is Cy's, not Ann's.
    let lead = crm
        .reassign_lead(lead, Some(user("cy")), None, &user("ann"))
        .unwrap();
    assert!(matches!(
        crm.read(lead.id(), &user("ann")),
        Err(CrmError::NotFound(_))
    ));
    assert!(crm.read(lead.id(), &user("cy")).is_ok());
    // And Mia no longer reaches it either.
    assert!(matches!(
        crm.read(lead.id(), &user("mia")),
        Err(CrmError::NotFound(_))
    ));
}

#[test]
fn the_pool_is_open_to_roles_that_work_it() {
    let office = Office::new();
    let (contact, lead) = office.lead_of(None);
    let crm = office.team();
    assert!(crm.read(contact.id(), &user("cy")).is_ok());
    // Cy claims the lead from the pool.
    let lead = crm
        .reassign_lead(lead, Some(user("cy")), None, &user("cy"))
        .unwrap();
    assert_eq!(lead.owner(), Some(&user("cy")));
    // A viewer reads the pool but works nothing in it.
    let (_, other) = office.lead_of(None);
    assert!(crm.read(other.id(), &user("vic")).is_ok());
    assert!(matches!(
        crm.log_touch(other, office.sample.touch(), &user("vic")),
        Err(CrmError::Forbidden { .. })
    ));
}

#[test]
fn personal_data_is_redacted_for_a_principal_who_may_not_read_it() {
    let office = Office::new();
    let mut details = office.sample.contact_details().with_owner(user("ann"));
    details.email = Some(office.sample.email("ada@example.com"));
    let contact = office
        .setup()
        .create_contact(details, OnDuplicate::Refuse, &user("setup"))
        .unwrap()
        .into_contact();
    let crm = office.team();
    let shown = crm.read(contact.id(), &user("vic")).unwrap();
    assert!(shown.is_redacted());
    assert!(shown.record().is_none());
    let json = serde_json::to_string(&shown).unwrap();
    assert!(!json.contains("ada@example.com"), "{json}");
    assert!(json.contains(ERASED_TEXT), "{json}");
    assert!(json.contains("\"redacted\":true"), "{json}");
    // The typed value, which a step could write back, is refused with the reason.
    assert!(matches!(
        crm.load::<Contact>(contact.id(), &user("vic")),
        Err(CrmError::Forbidden {
            action: Action::ReadPersonal,
            ..
        })
    ));
    // The owner and the privacy officer see it whole.
    for reader in ["ann", "pam"] {
        let whole = crm.read(contact.id(), &user(reader)).unwrap();
        assert!(!whole.is_redacted());
        assert!(
            serde_json::to_string(&whole)
                .unwrap()
                .contains("ada@example.com")
        );
    }
}

#[test]
fn lists_return_what_the_policy_reaches_page_by_page() {
    let office = Office::new();
    let owners = ["ann", "bob", "cy", "mia", "zed"];
    let mut all = Vec::new();
    for round in 0..3 {
        for owner in owners.iter().map(Some).chain([None]) {
            let _ = round;
            all.push(office.lead_of(owner.copied()).1.id());
        }
    }
    let crm = office.team();
    let policy = RolePolicy::conventional();
    let query = Query::of_kind(RecordKind::Lead);
    for reader in ["ann", "bob", "cy", "mia", "pam", "vic", "zed"] {
        let reader = user(reader);
        let principal = team().principal(&reader);
        let mut listed = Vec::new();
        let mut after = None;
        loop {
            let page = crm.list(&query, after, 2, &reader).unwrap();
            assert!(page.records.len() <= 2);
            listed.extend(page.records.iter().map(|r| r.id()));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let mut expected: Vec<RecordId> = crate::support::everything(&office.store)
            .into_iter()
            .filter(|r| r.kind() == RecordKind::Lead)
            .filter(|r| {
                policy
                    .decide(&principal, Action::Read, &prospect::access::Resource::of(r))
                    .is_allowed()
            })
            .map(|r| r.id())
            .collect();
        expected.sort_by_key(|id| id.as_uuid());
        assert_eq!(listed, expected, "{reader}");
    }
    // The manager's reach is by owner: her own, her reports', her team's, and the pool.
    let reach = policy.reach(
        &team().principal(&user("mia")),
        RecordKind::Lead,
        Action::Read,
    );
    match reach {
        Reach::Owners { owners, unowned } => {
            assert!(unowned);
            assert_eq!(
                owners.into_iter().collect::<Vec<_>>(),
                vec![user("ann"), user("bob"), user("mia")]
            );
        }
        Reach::Everything => panic!("a manager does not reach everything"),
    }
}

#[test]
fn erasure_needs_the_privacy_role() {
    let office = Office::new();
    let (contact, _) = office.lead_of(Some("ann"));
    let crm = office.team();
    let before = office.snapshot();
    let contact = crm.load::<Contact>(contact.id(), &user("ann")).unwrap();
    let id = contact.id();
    assert!(matches!(
        crm.erase_contact(contact, &user("ann")),
        Err(CrmError::Forbidden {
            action: Action::Erase,
            ..
        })
    ));
    assert_eq!(office.snapshot(), before);
    let contact = crm.load::<Contact>(id, &user("pam")).unwrap();
    let report = crm.erase_contact(contact, &user("pam")).unwrap();
    assert_eq!(report.leads.len(), 1);
}

#[test]
fn commands_go_through_the_same_policy() {
    let office = Office::new();
    let (_, lead) = office.lead_of(Some("bob"));
    let crm = office.team();
    let before = office.snapshot();
    let touch = |id| -> Command {
        serde_json::from_value(serde_json::json!({
            "step": "touch",
            "args": {"lead": id, "version": 1, "touch": {"channel": "call", "summary": "Hello"}}
        }))
        .unwrap()
    };
    // Cy cannot read Bob's lead: as if it did not exist.
    assert!(matches!(
        crm.execute(touch(lead.id().to_string()), &user("cy")),
        Err(CrmError::NotFound(_))
    ));
    // The viewer can read it, but not change it.
    assert!(matches!(
        crm.execute(touch(lead.id().to_string()), &user("vic")),
        Err(CrmError::Forbidden { .. })
    ));
    assert_eq!(office.snapshot(), before);
    let done = crm
        .execute(touch(lead.id().to_string()), &user("bob"))
        .unwrap();
    assert_eq!(done.records[0].value().state().key(), "lead/working");
}

#[test]
fn reports_and_events_are_scoped() {
    let office = Office::new();
    for owner in [Some("ann"), Some("cy"), Some("cy"), None] {
        office.lead_of(owner);
    }
    let crm = office.team();
    let leads = |reader: &str| {
        let report = crm.report(&Scope::all(), &user(reader)).unwrap();
        serde_json::to_value(&report).unwrap()["leads"]["new"].clone()
    };
    let counted = |reader: &str| leads(reader).as_u64().unwrap_or(0);
    assert_eq!(counted("vic"), 4);
    assert_eq!(counted("ann"), 2, "her own and the pool's");
    assert_eq!(counted("cy"), 3);
    assert_eq!(counted("zed"), 0);
    // The outbox is for principals that read everything.
    let events = |reader: &str| {
        crm.read_events(None, 100, &user(reader))
            .unwrap()
            .events
            .len()
    };
    assert_eq!(events("vic"), 8);
    assert_eq!(events("ann"), 0);
}

#[test]
fn explain_and_audience_say_who_may_and_why() {
    let office = Office::new();
    let (_, lead) = office.lead_of(Some("ann"));
    let crm = office.team();
    let why = crm.explain(&user("mia"), Action::Edit, lead.id()).unwrap();
    assert!(why.is_allowed());
    assert_eq!(
        why.rule().to_string(),
        "role manager may edit lead at level team"
    );
    let why_not = crm.explain(&user("cy"), Action::Read, lead.id()).unwrap();
    assert!(!why_not.is_allowed());
    let audience = crm.audience(Action::Read, lead.id()).unwrap();
    let users: Vec<&str> = audience.users.keys().map(User::as_str).collect();
    assert_eq!(users, ["ann", "mia", "pam", "vic"]);
    assert!(audience.roles.contains(&role("manager")));
    assert!(audience.teams.contains(&Team::new("east").unwrap()));
}

#[test]
fn activities_and_tasks_are_their_records_owners_too() {
    let office = Office::new();
    let (_, lead) = office.lead_of(Some("ann"));
    let crm = office.team();
    let lead = crm
        .log_touch(lead, office.sample.touch(), &user("ann"))
        .unwrap();
    // Mia logs a call on Ann's lead: the activity is Mia's, about Ann's lead.
    let details = ActivityDetails::new(ActivityKind::Call, office.sample.summary("Called"));
    let activity = crm
        .log_activity_on_lead(&lead, details, &user("mia"))
        .unwrap();
    // Ann reaches it through her lead; Bob does not.
    assert!(crm.read(activity.id(), &user("ann")).is_ok());
    assert!(matches!(
        crm.read(activity.id(), &user("bob")),
        Err(CrmError::NotFound(_))
    ));
    let about = crm
        .list(&Query::activities_about(lead.id()), None, 10, &user("ann"))
        .unwrap();
    assert_eq!(about.records.len(), 1);
    let about = crm
        .list(&Query::activities_about(lead.id()), None, 10, &user("bob"))
        .unwrap();
    assert!(about.records.is_empty());
    // Bob cannot log on Ann's lead.
    let lead: Versioned<Lead<Working>> = crm.load(lead.id(), &user("ann")).unwrap();
    let details = ActivityDetails::new(ActivityKind::Call, office.sample.summary("Again"));
    assert!(matches!(
        crm.log_activity_on_lead(&lead, details, &user("bob")),
        Err(CrmError::Forbidden {
            action: Action::Create,
            kind: RecordKind::Activity,
            ..
        })
    ));
}

#[test]
fn a_cascading_hand_off_needs_the_right_on_every_record_it_hands_over() {
    let office = Office::new();
    let (contact, _) = office.lead_of(Some("ann"));
    let handler = role("handler");
    let policy = RolePolicy::new().with_role(
        handler.clone(),
        Grants::none()
            .grant_every_kind(Action::Read, Level::All)
            .grant_every_kind(Action::ReadPersonal, Level::All)
            .grant(RecordKind::Contact, Action::Reassign, Level::All),
    );
    let hal = user("hal");
    let crm = Crm::new(&office.store, policy).with_directory(Directory::new().with_user(
        hal.clone(),
        [handler],
        [],
    ));
    let before = office.snapshot();
    let contact = crm.load::<Contact>(contact.id(), &hal).unwrap();
    let denied = crm.reassign_contact(contact, Some(user("bob")), Cascade::OpenRecords, None, &hal);
    assert!(matches!(
        denied,
        Err(CrmError::Forbidden {
            action: Action::Reassign,
            kind: RecordKind::Lead,
            ..
        })
    ));
    assert_eq!(office.snapshot(), before);
    // Without the cascade, the contact alone is theirs to hand over.
    let contact = crm
        .load::<Contact>(
            before
                .0
                .iter()
                .find(|r| r.kind() == RecordKind::Contact)
                .unwrap()
                .id(),
            &hal,
        )
        .unwrap();
    crm.reassign_contact(contact, Some(user("bob")), Cascade::ContactOnly, None, &hal)
        .unwrap();
}

#[test]
fn lookups_by_email_and_domain_show_only_what_the_principal_may_read() {
    let office = Office::new();
    let mut details = office.sample.contact_details().with_owner(user("ann"));
    let email = office.sample.email("grace@example.com");
    details.email = Some(email.clone());
    office
        .setup()
        .create_contact(details, OnDuplicate::Refuse, &user("setup"))
        .unwrap();
    let crm = office.team();
    assert_eq!(
        crm.find_contacts_by_email(&email, &user("ann"))
            .unwrap()
            .len(),
        1
    );
    assert!(
        crm.find_contacts_by_email(&email, &user("cy"))
            .unwrap()
            .is_empty()
    );
    // A viewer who may read the contact redacted does not find it by its email: the email is
    // what the redaction hides.
    assert!(
        crm.find_contacts_by_email(&email, &user("vic"))
            .unwrap()
            .is_empty()
    );
    let domain = Domain::new("acme.example").unwrap();
    let details = OrganizationDetails::new(OrganizationName::new("Acme").unwrap())
        .with_domain(domain.clone());
    office
        .setup()
        .create_organization(details, OnDuplicate::Refuse, &user("setup"))
        .unwrap();
    // Every seller reads organizations; a user with no role does not.
    assert_eq!(
        crm.find_organizations_by_domain(&domain, &user("cy"))
            .unwrap()
            .len(),
        1
    );
    assert!(
        crm.find_organizations_by_domain(&domain, &user("zed"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_async_facade_asks_the_same_policy() {
    let office = Office::new();
    let (_, lead) = office.lead_of(Some("bob"));
    let crm = AsyncCrm::new(&office.store, RolePolicy::conventional()).with_directory(team());
    let before = office.snapshot();
    let denied =
        prospect::testkit::block_on(crm.log_touch(lead, office.sample.touch(), &user("cy")));
    assert!(matches!(denied, Err(CrmError::Forbidden { .. })));
    assert_eq!(office.snapshot(), before);
}

mod properties {
    use proptest::prelude::*;

    use super::*;
    use prospect::access::{Decision, Principal, Resource};

    const USERS: [&str; 5] = ["u0", "u1", "u2", "u3", "u4"];
    const ROLE_NAMES: [&str; 6] = ["rep", "manager", "admin", "privacy", "viewer", "nobody"];

    /// A policy that only decides: lists go through the trait's default `reach`.
    #[derive(Debug)]
    struct DecideOnly(RolePolicy);

    impl AccessPolicy for DecideOnly {
        fn decide(&self, p: &Principal, action: Action, resource: &Resource<'_>) -> Decision {
            self.0.decide(p, action, resource)
        }
    }

    fn level() -> impl Strategy<Value = Level> {
        prop_oneof![
            Just(Level::None),
            Just(Level::Own),
            Just(Level::Team),
            Just(Level::All)
        ]
    }

    /// The conventional roles, or roles with random grants.
    fn policy() -> impl Strategy<Value = RolePolicy> {
        let grants = (
            proptest::collection::vec(level(), RecordKind::ALL.len() * Action::ALL.len()),
            any::<bool>(),
        )
            .prop_map(|(levels, pool)| {
                let mut g = Grants::none();
                for (i, level) in levels.into_iter().enumerate() {
                    let kind = RecordKind::ALL[i / Action::ALL.len()];
                    g = g.grant(kind, Action::ALL[i % Action::ALL.len()], level);
                }
                if pool { g.works_pool() } else { g }
            });
        prop_oneof![
            Just(RolePolicy::conventional()),
            proptest::collection::vec(grants, 3).prop_map(|gs| {
                gs.into_iter()
                    .enumerate()
                    .fold(RolePolicy::new(), |p, (i, g)| {
                        p.with_role(role(ROLE_NAMES[i]), g)
                    })
            }),
        ]
    }

    /// Each user's roles, team (0, 1 or none) and manager (another user, or none).
    fn directory() -> impl Strategy<Value = Directory> {
        proptest::collection::vec(
            (
                proptest::sample::subsequence(ROLE_NAMES.to_vec(), 0..3),
                proptest::option::of(0..2usize),
                proptest::option::of(0..USERS.len()),
            ),
            USERS.len(),
        )
        .prop_map(|people| {
            let mut d = Directory::new();
            for (i, (roles, team, manager)) in people.into_iter().enumerate() {
                let teams = team.map(|t| Team::new(["east", "west"][t]).unwrap());
                d = d.with_user(user(USERS[i]), roles.into_iter().map(role), teams);
                if let Some(m) = manager.filter(|m| *m != i) {
                    d = d.with_manager(&user(USERS[i]), &user(USERS[m]));
                }
            }
            d
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Lists return exactly what the policy lets each principal read, reads are found and
        /// redacted as it says, and a step is forbidden exactly when it denies it, writing
        /// nothing then.
        #[test]
        fn the_facade_does_exactly_what_the_policy_says(
            policy in policy(),
            directory in directory(),
            owners in proptest::collection::vec(proptest::option::of(0..USERS.len()), 1..6),
            actor in 0..USERS.len(),
            target in 0..6usize,
            default_reach: bool,
        ) {
            let office = Office::new();
            let leads: Vec<_> = owners
                .iter()
                .map(|o| office.lead_of(o.map(|i| USERS[i])).1)
                .collect();
            let crm = match default_reach {
                true => Crm::new(&office.store, DecideOnly(policy.clone())),
                false => Crm::new(&office.store, policy.clone()),
            }
            .with_directory(directory.clone());
            let stored = crate::support::everything(&office.store);
            for name in USERS {
                let reader = user(name);
                let principal = directory.principal(&reader);
                let allows = |action, r: &Record| {
                    policy.decide(&principal, action, &Resource::of(r)).is_allowed()
                };
                for kind in [RecordKind::Contact, RecordKind::Lead] {
                    let mut listed = Vec::new();
                    let mut after = None;
                    loop {
                        let page = crm.list(&Query::of_kind(kind), after, 3, &reader).unwrap();
                        listed.extend(page.records.iter().map(|v| (v.id(), v.is_redacted())));
                        match page.next {
                            Some(next) => after = Some(next),
                            None => break,
                        }
                    }
                    let mut expected: Vec<_> = stored
                        .iter()
                        .filter(|r| r.kind() == kind && allows(Action::Read, r))
                        .map(|r| (r.id(), !allows(Action::ReadPersonal, r)))
                        .collect();
                    expected.sort_by_key(|(id, _)| id.as_uuid());
                    prop_assert_eq!(listed, expected);
                }
                for r in &stored {
                    match crm.read(r.id(), &reader) {
                        Ok(v) => {
                            prop_assert!(allows(Action::Read, r));
                            prop_assert_eq!(v.is_redacted(), !allows(Action::ReadPersonal, r));
                        }
                        Err(CrmError::NotFound(_)) => prop_assert!(!allows(Action::Read, r)),
                        Err(e) => prop_assert!(false, "{}", e),
                    }
                }
            }
            // One step, by one principal, on one lead.
            let id = leads[target % leads.len()].id();
            let lead = office.setup().load::<Lead<New>>(id, &user("setup")).unwrap();
            let actor = user(USERS[actor]);
            let record = stored.iter().find(|r| r.id() == RecordId::Lead(lead.id())).unwrap();
            let may = policy
                .decide(&directory.principal(&actor), Action::Edit, &Resource::of(record))
                .is_allowed();
            let before = office.snapshot();
            match crm.log_touch(lead, office.sample.touch(), &actor) {
                Ok(touched) => {
                    prop_assert!(may);
                    prop_assert_eq!(touched.version().get(), 2);
                }
                Err(CrmError::Forbidden { action: Action::Edit, .. }) => {
                    prop_assert!(!may);
                    prop_assert_eq!(office.snapshot(), before);
                }
                Err(e) => prop_assert!(false, "{}", e),
            }
        }
    }
}
