//! Merges of organizations: their contacts moved, their domains unioned and their accounts
//! folded in one commit, refused when it cannot be made, a conflict when anything changed
//! since the plan, and undone exactly.

use proptest::prelude::*;
use prospect::event::Payload;
use prospect::funnel::Scope;
use prospect::memory::MemoryStore;
use prospect::merge::{OrganizationChoices, OrganizationField, Refusal};
use prospect::record::{Record, RecordId, RecordKind};
use prospect::store::{Query, Store, Versioned};
use prospect::testkit::Sample;
use prospect::*;
use serde_json::Value;

use crate::support::*;

/// A new organization with `domains`.
fn organization(
    crm: &Crm<&MemoryStore>,
    sample: &Sample,
    name: &str,
    domains: &[&str],
) -> Versioned<Organization> {
    let mut details = OrganizationDetails::new(OrganizationName::new(name).unwrap())
        .with_industry(Industry::new("retail").unwrap());
    for domain in domains {
        details = details.with_domain(Domain::new(domain).unwrap());
    }
    crm.create_organization(details, OnDuplicate::Refuse, sample.actor())
        .unwrap()
        .into_organization()
}

/// A new contact of `organization`, which wins a contract of `won` euros for it when given.
fn member(
    crm: &Crm<&MemoryStore>,
    sample: &Sample,
    organization: &Versioned<Organization>,
    won: Option<i64>,
) -> Versioned<Contact> {
    let me = sample.actor();
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let contact = crm.link_contact(contact, organization, me).unwrap();
    if let Some(won) = won {
        win(crm, sample, &contact, won);
    }
    crm.load::<Contact>(contact.id(), me).unwrap()
}

/// A contract of `major` euros won for `contact`, into the account its organization has.
fn win(crm: &Crm<&MemoryStore>, sample: &Sample, contact: &Versioned<Contact>, major: i64) {
    let o = contracting(crm, sample, contact);
    crm.win(o, sample.contract(major), sample.actor()).unwrap();
}

/// An opportunity of `contact`'s, in contracting.
fn contracting(
    crm: &Crm<&MemoryStore>,
    sample: &Sample,
    contact: &Versioned<Contact>,
) -> Versioned<Opportunity<state::Contracting>> {
    let me = sample.actor();
    let lead = crm.open_lead(contact, sample.interest(), me).unwrap();
    let lead = crm.log_touch(lead, sample.touch(), me).unwrap();
    let Qualified { opportunity, .. } = crm.qualify(lead, sample.qualification(), me).unwrap();
    let o = crm.propose(opportunity, sample.proposal(), me).unwrap();
    let o = crm.negotiate(o, sample.note("terms"), me).unwrap();
    crm.enter_contracting(o, sample.terms(), sample.incumbent(), me)
        .unwrap()
}

/// Every record as JSON without what a merge of organizations and its undo add (the
/// corrections of contacts and organizations, the accounts' folds): what the undo must give
/// back.
fn observable(store: &MemoryStore) -> Vec<Value> {
    everything(store)
        .iter()
        .map(|r| {
            let mut value = json(r);
            if let Some(fields) = value.as_object_mut() {
                fields.remove("folds");
                if matches!(r, Record::Contact(_) | Record::Organization(_)) {
                    fields.remove("corrections");
                }
            }
            value
        })
        .collect()
}

fn account(crm: &Crm<&MemoryStore>, of: OrganizationId, me: &User) -> Versioned<Account> {
    crm.load::<Account>(AccountId::of_organization(of), me)
        .unwrap()
}

fn eur(major: i64) -> Money {
    Money::from_minor(major * 100, Currency::EUR)
}

#[test]
fn a_merge_moves_contacts_unions_domains_folds_accounts_and_its_undo_restores_them() {
    let sample = Sample::new(81);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = organization(&crm, &sample, "ACME", &["acme.example"]);
    let corp = organization(&crm, &sample, "Acme Corporation", &["acmecorp.example"]);
    let inc = organization(&crm, &sample, "Acme Inc", &["acme-inc.example"]);
    let ada = member(&crm, &sample, &acme, Some(5_000));
    let bea = member(&crm, &sample, &corp, Some(3_000));
    let cid = member(&crm, &sample, &corp, None);
    let other = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .unwrap()
        .into_contact();
    let before = observable(&store);
    let report = crm.report(&Scope::all(), me).unwrap();

    let choices = OrganizationChoices::new().keep(OrganizationField::Name, corp.id());
    let plan = crm
        .plan_organization_merge(acme.id(), &[corp.id(), inc.id()], choices, me)
        .unwrap();
    assert!(plan.refusals().is_empty(), "{:?}", plan.refusals());
    let moved: Vec<ContactId> = plan.contacts().iter().map(|m| m.contact).collect();
    let mut expected = vec![bea.id(), cid.id()];
    expected.sort();
    assert_eq!(moved, expected);
    assert!(plan.contacts().iter().all(|m| m.from == corp.id()));
    assert_eq!(
        plan.account().map(|a| a.account),
        Some(AccountId::of_organization(acme.id()))
    );
    assert_eq!(
        plan.folded().iter().map(|a| a.account).collect::<Vec<_>>(),
        [AccountId::of_organization(corp.id())]
    );
    assert_eq!(plan.details().name, *corp.name(), "the name chosen");
    assert_eq!(plan.details().domains.len(), 3, "every domain");
    // The plan is data: it goes to a user interface and back.
    let plan: prospect::merge::OrganizationMergePlan =
        serde_json::from_value(json(&plan)).expect("a plan reads back");

    let events_before = all_events(&store).len();
    let merged = crm.merge_organizations(&plan, me).unwrap();
    assert_eq!(merged.contacts.len(), 2);
    assert_eq!(merged.accounts.len(), 2);
    for contact in [&ada, &bea, &cid] {
        let now = crm.load::<Contact>(contact.id(), me).unwrap();
        assert_eq!(now.organization(), Some(acme.id()));
        assert_eq!(
            now.party(),
            contact.party(),
            "only the organization changes"
        );
    }
    let listed = store
        .list(
            &Query::of_kind(RecordKind::Contact).of_organization(acme.id()),
            None,
            50,
        )
        .unwrap();
    assert_eq!(listed.records.len(), 3);
    // The survivor is found by every domain; the merged ones by none, nor by their keys.
    for domain in ["acme.example", "acmecorp.example", "acme-inc.example"] {
        let found = crm
            .find_organizations_by_domain(&Domain::new(domain).unwrap(), me)
            .unwrap();
        let ids: Vec<RecordId> = found.iter().map(|o| o.id()).collect();
        assert_eq!(ids, [RecordId::from(acme.id())], "{domain}");
    }
    let corp_now = crm.load::<Organization>(corp.id(), me).unwrap();
    assert_eq!(corp_now.merged_into(), Some(acme.id()));
    assert_eq!(corp_now.details(), corp.details(), "kept on record");
    assert!(
        Record::from(corp_now.value().clone())
            .duplicate_keys()
            .is_empty()
    );
    let survivor = crm.load::<Organization>(acme.id(), me).unwrap();
    assert_eq!(survivor.merged_organizations(), [corp.id(), inc.id()]);
    // The accounts folded: the survivor's counts both wins; the folded one keeps its own, on
    // record, and counts for nothing in a report.
    let into = account(&crm, acme.id(), me);
    assert_eq!(into.won_value().get(Currency::EUR), Some(eur(8_000)));
    assert_eq!(into.wins().len(), 1);
    assert_eq!(
        into.folded_accounts()
            .iter()
            .map(|(a, _)| *a)
            .collect::<Vec<_>>(),
        [AccountId::of_organization(corp.id())]
    );
    let folded = account(&crm, corp.id(), me);
    assert_eq!(folded.folded_into(), Some(into.id()));
    assert_eq!(folded.won_value().get(Currency::EUR), Some(eur(3_000)));
    let merged_report = crm.report(&Scope::all(), me).unwrap();
    assert_eq!(merged_report.accounts(), report.accounts() - 1);
    assert_eq!(merged_report.contacts(), report.contacts());
    // One event per record written, ids only.
    let events = all_events(&store);
    assert_eq!(events.len() - events_before, 3 + 2 + 2);
    for e in &events[events_before..] {
        let Payload::OrganizationsMerged {
            survivor,
            merged,
            undone: false,
            ..
        } = e.event.payload()
        else {
            panic!("{:?}", e.event.payload());
        };
        assert_eq!(*survivor, acme.id());
        // An account's names the organizations whose accounts were folded into it.
        let expected = match e.event.record() {
            RecordId::Account(_) => vec![corp.id()],
            _ => vec![corp.id(), inc.id()],
        };
        assert_eq!(*merged, expected, "{:?}", e.event.record());
    }
    // A merged organization takes no correction and no new contact.
    let refused = crm.correct_organization(corp_now.clone(), corp.details().clone(), None, me);
    assert!(matches!(refused, Err(CrmError::OrganizationMerged { into, .. }) if into == acme.id()));
    let refused = crm.link_contact(other, &corp_now, me);
    assert!(matches!(refused, Err(CrmError::OrganizationMerged { .. })));

    let undone = crm
        .unmerge_organizations(acme.id(), merged.merge, me)
        .unwrap();
    assert_eq!(undone.contacts.len(), 2);
    assert_eq!(
        observable(&store),
        before,
        "every record as before the merge"
    );
    assert_eq!(crm.report(&Scope::all(), me).unwrap(), report);
    let found = crm
        .find_organizations_by_domain(&Domain::new("acmecorp.example").unwrap(), me)
        .unwrap();
    assert_eq!(found[0].id(), RecordId::from(corp.id()));
    // Undone once: there is nothing more to undo.
    let twice = crm.unmerge_organizations(acme.id(), merged.merge, me);
    assert!(matches!(
        twice,
        Err(CrmError::MergeRefused(r)) if matches!(r[..], [Refusal::OrganizationNotMerged { .. }])
    ));
    // Every record still reads back valid from its stored form.
    for record in everything(&store) {
        let text = serde_json::to_string(&record).unwrap();
        let back: Record = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, record);
    }
}

#[test]
fn what_cannot_be_merged_is_refused_with_every_reason() {
    let sample = Sample::new(82);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let plain = organization(&crm, &sample, "Plain", &["plain.example"]);
    let customer = organization(&crm, &sample, "Customer", &["customer.example"]);
    member(&crm, &sample, &customer, Some(1_000));
    let plan = |survivor: &Versioned<Organization>, merged: &[OrganizationId], choices| {
        crm.plan_organization_merge(survivor.id(), merged, choices, me)
            .unwrap()
            .refusals()
            .to_vec()
    };
    // The survivor must be the customer: accounts fold into the survivor's.
    assert_eq!(
        plan(&plain, &[customer.id()], OrganizationChoices::new()),
        [Refusal::NotACustomer {
            customer: customer.id()
        }]
    );
    assert!(plan(&customer, &[plain.id()], OrganizationChoices::new()).is_empty());
    assert_eq!(
        plan(&plain, &[], OrganizationChoices::new()),
        [Refusal::NothingToMerge]
    );
    assert_eq!(
        plan(
            &customer,
            &[plain.id(), plain.id()],
            OrganizationChoices::new()
        ),
        [Refusal::OrganizationRepeated {
            organization: plain.id()
        }]
    );
    let stranger = OrganizationId::from_uuid(prospect::uuid::Uuid::from_u128(7));
    let choices = OrganizationChoices::new().keep(OrganizationField::Country, stranger);
    assert_eq!(
        plan(&customer, &[plain.id()], choices),
        [Refusal::OrganizationNotInMerge {
            field: OrganizationField::Country,
            organization: stranger
        }]
    );
    // More domains together than one organization holds.
    let many = |name: &str, n: usize| {
        let domains: Vec<String> = (0..n).map(|i| format!("{name}{i}.example")).collect();
        let domains: Vec<&str> = domains.iter().map(String::as_str).collect();
        organization(&crm, &sample, name, &domains)
    };
    let (twelve, eleven) = (many("twelve", 12), many("eleven", 11));
    assert_eq!(
        plan(&twelve, &[eleven.id()], OrganizationChoices::new()),
        [Refusal::TooManyDomains { count: 23 }]
    );
    // Too many is refused before anything is read.
    let named = vec![plain.id(); 11];
    let refused =
        crm.plan_organization_merge(customer.id(), &named, OrganizationChoices::new(), me);
    assert!(matches!(
        refused,
        Err(CrmError::MergeRefused(r)) if r[..] == [Refusal::TooMany { count: 11 }]
    ));
    // Merged already: unmerge it first.
    let done = crm
        .plan_organization_merge(customer.id(), &[plain.id()], OrganizationChoices::new(), me)
        .unwrap();
    let outcome = crm.merge_organizations(&done, me).unwrap();
    assert!(
        outcome.accounts.is_empty(),
        "nothing folds: the survivor's account is not written"
    );
    assert_eq!(
        plan(&twelve, &[plain.id()], OrganizationChoices::new()),
        [Refusal::OrganizationMerged {
            organization: plain.id(),
            into: customer.id()
        }]
    );
    let refused = crm.merge_organizations(&done, me);
    assert!(matches!(refused, Err(CrmError::MergeRefused(_))));
}

#[test]
fn a_contact_or_account_changed_since_the_plan_is_a_conflict() {
    let sample = Sample::new(83);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = organization(&crm, &sample, "ACME", &["acme.example"]);
    let corp = organization(&crm, &sample, "Acme Corporation", &["acmecorp.example"]);
    member(&crm, &sample, &acme, Some(1_000));
    let bea = member(&crm, &sample, &corp, None);
    let plan = || {
        crm.plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), me)
            .unwrap()
    };
    // A contact corrected since.
    let stale = plan();
    crm.reassign_contact(
        bea.clone(),
        Some(User::new("zoe").unwrap()),
        Cascade::ContactOnly,
        None,
        me,
    )
    .unwrap();
    assert!(matches!(
        crm.merge_organizations(&stale, me),
        Err(CrmError::Conflict(_))
    ));
    // A contact linked since.
    let stale = plan();
    member(&crm, &sample, &corp, None);
    assert!(matches!(
        crm.merge_organizations(&stale, me),
        Err(CrmError::Conflict(_))
    ));
    // An account won since (the merged organization's first).
    let stale = plan();
    let bea = crm.load::<Contact>(bea.id(), me).unwrap();
    win(&crm, &sample, &bea, 2_000);
    assert!(matches!(
        crm.merge_organizations(&stale, me),
        Err(CrmError::Conflict(_))
    ));
    // Planned again, it merges: the new account folds in.
    let merged = crm.merge_organizations(&plan(), me).unwrap();
    assert_eq!(merged.contacts.len(), 2);
    let into = account(&crm, acme.id(), me);
    assert_eq!(into.won_value().get(Currency::EUR), Some(eur(3_000)));
}

#[test]
fn an_undo_is_rebased_over_later_work_and_refused_when_the_survivor_changed() {
    let sample = Sample::new(84);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = organization(&crm, &sample, "ACME", &["acme.example"]);
    let corp = organization(&crm, &sample, "Acme Corporation", &["acmecorp.example"]);
    member(&crm, &sample, &acme, Some(1_000));
    let bea = member(&crm, &sample, &corp, Some(2_000));
    let plan = crm
        .plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), me)
        .unwrap();
    let merged = crm.merge_organizations(&plan, me).unwrap();
    // Since the merge: Bea handed over, a new contact of the survivor, and a win of Bea's,
    // which goes into the survivor's account (hers is folded).
    let bea = crm.load::<Contact>(bea.id(), me).unwrap();
    let zoe = User::new("zoe").unwrap();
    let bea = crm
        .reassign_contact(bea, Some(zoe.clone()), Cascade::ContactOnly, None, me)
        .unwrap()
        .contact;
    let newcomer = member(
        &crm,
        &sample,
        &crm.load::<Organization>(acme.id(), me).unwrap(),
        None,
    );
    win(&crm, &sample, &bea, 500);
    let into = account(&crm, acme.id(), me);
    assert_eq!(into.won_value().get(Currency::EUR), Some(eur(3_500)));
    // A win named into the folded account is refused: it would not count anywhere.
    let o = contracting(&crm, &sample, &bea);
    let refused = crm.win_for(o, account(&crm, corp.id(), me), sample.contract(100), me);
    assert!(
        matches!(refused, Err(CrmError::OrganizationMerged { organization, into })
            if organization == corp.id() && into == acme.id()),
        "{refused:?}"
    );

    crm.unmerge_organizations(acme.id(), merged.merge, me)
        .unwrap();
    let bea = crm.load::<Contact>(bea.id(), me).unwrap();
    assert_eq!(bea.organization(), Some(corp.id()), "moved back");
    assert_eq!(bea.owner(), Some(&zoe), "the hand-off kept");
    let newcomer = crm.load::<Contact>(newcomer.id(), me).unwrap();
    assert_eq!(
        newcomer.organization(),
        Some(acme.id()),
        "linked since: stays"
    );
    // The win made since stays where it was made; the folded account is its own again.
    let into = account(&crm, acme.id(), me);
    assert_eq!(into.won_value().get(Currency::EUR), Some(eur(1_500)));
    let back = account(&crm, corp.id(), me);
    assert_eq!(back.folded_into(), None);
    assert_eq!(back.won_value().get(Currency::EUR), Some(eur(2_000)));

    // Merged again, then the survivor corrected: the undo would overwrite it.
    let plan = crm
        .plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), me)
        .unwrap();
    let merged = crm.merge_organizations(&plan, me).unwrap();
    let survivor = crm.load::<Organization>(acme.id(), me).unwrap();
    let details = survivor
        .details()
        .clone()
        .with_country(Country::new("FR").unwrap());
    crm.correct_organization(survivor, details, None, me)
        .unwrap();
    let refused = crm.unmerge_organizations(acme.id(), merged.merge, me);
    assert!(matches!(
        refused,
        Err(CrmError::MergeRefused(r)) if r[..] == [Refusal::ChangedSince { record: acme.id().into() }]
    ));
}

#[test]
fn merging_organizations_needs_the_right_to_edit_every_record() {
    use prospect::access::{Action, Directory, Grants, Level, Role, RolePolicy};
    let sample = Sample::new(85);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = organization(&crm, &sample, "ACME", &["acme.example"]);
    let corp = organization(&crm, &sample, "Acme Corporation", &["acmecorp.example"]);
    member(&crm, &sample, &acme, Some(1_000));
    member(&crm, &sample, &corp, Some(1_000));
    // An editor of organizations and contacts who may not edit accounts.
    let role = Role::new("parties").unwrap();
    let grants = Grants::none()
        .grant_every_kind(Action::Read, Level::All)
        .grant_every_kind(Action::ReadPersonal, Level::All)
        .grant(RecordKind::Organization, Action::Edit, Level::All)
        .grant(RecordKind::Contact, Action::Edit, Level::All);
    let cleo = User::new("cleo").unwrap();
    let editor = Crm::new(&store, RolePolicy::new().with_role(role.clone(), grants))
        .with_directory(Directory::new().with_user(cleo.clone(), [role], []));
    fn forbidden<T>(r: &Result<T, CrmError<std::convert::Infallible>>) -> bool {
        matches!(
            r,
            Err(CrmError::Forbidden {
                kind: RecordKind::Account,
                ..
            })
        )
    }
    let refused =
        editor.plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), &cleo);
    assert!(forbidden(&refused), "{refused:?}");
    let plan = crm
        .plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), me)
        .unwrap();
    let refused = editor.merge_organizations(&plan, &cleo);
    assert!(forbidden(&refused), "{refused:?}");
    let merged = crm.merge_organizations(&plan, me).unwrap();
    let refused = editor.unmerge_organizations(acme.id(), merged.merge, &cleo);
    assert!(forbidden(&refused), "{refused:?}");
}

#[test]
fn the_async_facade_merges_and_unmerges_organizations_through_the_same_steps() {
    let sample = Sample::new(86);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = organization(&crm, &sample, "ACME", &["acme.example"]);
    let corp = organization(&crm, &sample, "Acme Corporation", &["acmecorp.example"]);
    let bea = member(&crm, &sample, &corp, None);
    let facade = sample.async_crm(&store);
    let merged = prospect::testkit::block_on(async {
        let plan = facade
            .plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), me)
            .await?;
        facade.merge_organizations(&plan, me).await
    })
    .unwrap();
    assert_eq!(merged.contacts[0].id(), bea.id());
    prospect::testkit::block_on(facade.unmerge_organizations(acme.id(), merged.merge, me)).unwrap();
    let bea = crm.load::<Contact>(bea.id(), me).unwrap();
    assert_eq!(bea.organization(), Some(corp.id()));
}

#[test]
fn forged_folds_are_refused_when_read() {
    let sample = Sample::new(87);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = organization(&crm, &sample, "ACME", &["acme.example"]);
    let corp = organization(&crm, &sample, "Acme Corporation", &["acmecorp.example"]);
    member(&crm, &sample, &acme, Some(1_000));
    member(&crm, &sample, &corp, Some(2_000));
    let plan = crm
        .plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), me)
        .unwrap();
    crm.merge_organizations(&plan, me).unwrap();
    let stored = json(account(&crm, acme.id(), me).value());
    let read = |value: &Value| serde_json::from_value::<Account>(value.clone());
    assert!(read(&stored).is_ok());
    // A won value that does not count the fold, a fold with another won value, a fold that
    // does not name the account, an unfold with no fold before it.
    let mut forged = stored.clone();
    forged["won_value"]["EUR"] = serde_json::json!(100_000);
    assert!(read(&forged).is_err());
    let mut forged = stored.clone();
    forged["folds"][0]["won"]["EUR"] = serde_json::json!(1);
    assert!(read(&forged).is_err(), "the won value no longer adds up");
    let mut forged = stored.clone();
    forged["folds"][0]["into"] = forged["folds"][0]["account"].clone();
    assert!(read(&forged).is_err());
    let mut forged = stored.clone();
    forged["folds"][0]["undo"] = serde_json::json!(true);
    forged["won_value"]["EUR"] = serde_json::json!(100_000);
    assert!(read(&forged).is_err());
    // A merged organization whose details changed in its merge.
    let corp_now = json(crm.load::<Organization>(corp.id(), me).unwrap().value());
    let mut forged = corp_now.clone();
    forged["corrections"][0]["details"]["after"]["name"] = serde_json::json!("Other");
    forged["details"]["name"] = serde_json::json!("Other");
    assert!(serde_json::from_value::<Organization>(forged).is_err());
    assert!(serde_json::from_value::<Organization>(corp_now).is_ok());
}

/// Organizations each with a number of contacts, each of which won or not.
fn shape() -> impl Strategy<Value = Vec<Vec<bool>>> {
    prop::collection::vec(prop::collection::vec(any::<bool>(), 0..3), 2..4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// For any organizations with any contacts and accounts: the merge into the first is
    /// refused exactly when it is not a customer and another is; otherwise merge then unmerge
    /// leaves every record's observable fields and links, and the funnel report, as they
    /// were.
    #[test]
    fn merge_then_unmerge_restores_every_record_and_the_funnel(
        seed in 0u32..1000,
        shape in shape(),
        name_from in 0usize..4,
    ) {
        let sample = Sample::new(2_000 + seed);
        let store = MemoryStore::new();
        let crm = sample.crm(&store);
        let me = sample.actor();
        let organizations: Vec<_> = shape
            .iter()
            .enumerate()
            .map(|(n, members)| {
                let o = organization(&crm, &sample, &format!("Org {n}"), &[&format!("org{n}.example")]);
                for &won in members {
                    member(&crm, &sample, &o, won.then_some(100 * (n as i64 + 1)));
                }
                o
            })
            .collect();
        let ids: Vec<OrganizationId> = organizations[1..].iter().map(|o| o.id()).collect();
        let chosen = organizations.get(name_from).unwrap_or(&organizations[0]).id();
        let choices = OrganizationChoices::new().keep(OrganizationField::Name, chosen);
        let before = observable(&store);
        let report = crm.report(&Scope::all(), me).unwrap();
        let plan = crm
            .plan_organization_merge(organizations[0].id(), &ids, choices, me)
            .unwrap();
        let customer = |members: &Vec<bool>| members.iter().any(|&won| won);
        let refused = !customer(&shape[0]) && shape[1..].iter().any(customer);
        prop_assert_eq!(!plan.refusals().is_empty(), refused, "{:?}", plan.refusals());
        if !refused {
            let merged = crm.merge_organizations(&plan, me).unwrap();
            let accounts = shape.iter().filter(|m| customer(m)).count();
            let merged_report = crm.report(&Scope::all(), me).unwrap();
            prop_assert_eq!(merged_report.accounts(), report.accounts() - accounts.saturating_sub(1) as u64);
            crm.unmerge_organizations(organizations[0].id(), merged.merge, me).unwrap();
            prop_assert_eq!(observable(&store), before);
            prop_assert_eq!(crm.report(&Scope::all(), me).unwrap(), report);
        }
    }
}

/// A contact linked to the merged organization while the merge reads (after it listed the
/// organization's contacts, before it commits): the merge conflicts rather than leave the
/// contact with a merged organization; planned again, the contact moves too.
#[test]
fn a_contact_linked_during_the_merge_is_a_conflict() {
    use crate::support::{After, Midway};
    let sample = Sample::new(88);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = organization(&crm, &sample, "ACME", &["acme.example"]);
    let corp = organization(&crm, &sample, "Acme Corporation", &["acmecorp.example"]);
    member(&crm, &sample, &corp, None);
    let plan = crm
        .plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), me)
        .unwrap();
    let midway = Midway::unarmed(&store, After::ListingOf(RecordKind::Contact));
    let merging = sample.crm(&midway);
    let (corp_id, other, details) = (corp.id(), me.clone(), sample.contact_details());
    midway.arm(Box::new(move |inner| {
        let crm = Sample::new(89).crm(inner);
        let contact = crm
            .create_contact(details, OnDuplicate::Refuse, &other)
            .unwrap()
            .into_contact();
        let corp = crm.load::<Organization>(corp_id, &other).unwrap();
        crm.link_contact(contact, &corp, &other).unwrap();
    }));
    let refused = merging.merge_organizations(&plan, me);
    assert!(
        matches!(&refused, Err(CrmError::Conflict(c)) if c.kind == prospect::store::ConflictKind::RecordsOfOrganization),
        "{refused:?}"
    );
    assert_eq!(
        crm.load::<Organization>(corp.id(), me)
            .unwrap()
            .merged_into(),
        None
    );
    let plan = crm
        .plan_organization_merge(acme.id(), &[corp.id()], OrganizationChoices::new(), me)
        .unwrap();
    assert_eq!(plan.contacts().len(), 2);
    crm.merge_organizations(&plan, me).unwrap();
}

/// A win for a contact of an organization merged while the win reads (after it read the
/// contact, before it commits): the win conflicts rather than open an account for a merged
/// organization; tried again, it goes into the survivor's.
#[test]
fn a_win_racing_a_merge_of_its_contacts_organization_is_a_conflict() {
    use crate::support::{After, Midway};
    let sample = Sample::new(91);
    let store = MemoryStore::new();
    let crm = sample.crm(&store);
    let me = sample.actor();
    let acme = organization(&crm, &sample, "ACME", &["acme.example"]);
    let corp = organization(&crm, &sample, "Acme Corporation", &["acmecorp.example"]);
    let bea = member(&crm, &sample, &corp, None);
    let o = contracting(&crm, &sample, &bea);
    // The win reads the contact, then the account of its organization: the merge comes
    // between.
    let midway = Midway::unarmed(&store, After::LoadOf(RecordKind::Account));
    let winning = sample.crm(&midway);
    let (acme_id, corp_id, other) = (acme.id(), corp.id(), me.clone());
    midway.arm(Box::new(move |inner| {
        let crm = Sample::new(92).crm(inner);
        let plan = crm
            .plan_organization_merge(acme_id, &[corp_id], OrganizationChoices::new(), &other)
            .unwrap();
        crm.merge_organizations(&plan, &other).unwrap();
    }));
    let opportunity = o.id();
    let refused = winning.win(o, sample.contract(1_000), me);
    assert!(
        matches!(&refused, Err(CrmError::Conflict(c)) if c.record == RecordId::from(bea.id())),
        "{refused:?}"
    );
    assert!(
        crm.load::<Account>(AccountId::of_organization(corp.id()), me)
            .is_err(),
        "no account opened for the merged organization"
    );
    let o = crm
        .load::<Opportunity<state::Contracting>>(opportunity, me)
        .unwrap();
    crm.win(o, sample.contract(1_000), me).unwrap();
    let into = account(&crm, acme.id(), me);
    assert_eq!(into.won_value().get(Currency::EUR), Some(eur(1_000)));
}
