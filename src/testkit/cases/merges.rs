//! A merge of contacts through the facade, as a store sees it: records whose contact changes
//! (a relink, an entry of their history) move in the index by contact, the merged contact
//! leaves the email index and the duplicate keys, and an unmerge moves everything back.

use super::*;
use crate::activity::{ActivityDetails, ActivityKind};
use crate::contact::Contact;
use crate::merge::MergeChoices;
use crate::text::Summary;

/// Contact B's lead, activity and task, merged into contact A: listings by contact find them
/// under A and none under B (two a page), the activity about B is about A, B's email finds A
/// alone and B's duplicate keys do not list B; a copy of B's lead read before the merge is a
/// stale history; after the unmerge everything lists as before.
pub fn records_follow_a_merge_of_their_contact<S: Store>(new: impl Fn() -> S) {
    let store = new();
    let sample = Sample::new(171);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let create = || {
        crm.create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
            .must()
            .into_contact()
    };
    let (a, b) = (create(), create());
    let lead = crm.open_lead(&b, sample.interest(), me).must();
    let details = ActivityDetails::new(ActivityKind::Call, Summary::new("a call").must());
    let activity = crm.log_activity_on_contact(&b, details, me).must();
    let stale_lead = Versioned::new(Record::from(lead.value().duplicate()), lead.version());
    let of = |contact: &Versioned<Contact>, kind: RecordKind| {
        let query = Query::of_kind(kind).of_contact(contact.id());
        page_through(&store, &query, 2, &mut || {})
    };
    let about = |contact: &Versioned<Contact>| {
        let query = Query::activities_about(contact.id());
        page_through(&store, &query, 2, &mut || {})
    };
    let (lead_id, activity_id) = (RecordId::from(lead.id()), RecordId::from(activity.id()));
    let b_keys = Record::from(b.value().clone()).duplicate_keys();
    let plan = crm
        .plan_merge(a.id(), &[b.id()], MergeChoices::new(), me)
        .must();
    let merged = crm.merge(&plan, me).must();

    assert_eq!(
        of(&a, RecordKind::Lead),
        [lead_id],
        "the lead listed under its new contact"
    );
    assert_eq!(
        of(&b, RecordKind::Lead),
        [],
        "the lead no longer listed under its former contact"
    );
    assert_eq!(of(&a, RecordKind::Activity), [activity_id]);
    assert_eq!(of(&b, RecordKind::Activity), []);
    assert_eq!(
        about(&a),
        [activity_id],
        "the activity about the merged contact is about the survivor"
    );
    assert_eq!(about(&b), []);
    let email = b.email().expect("the sample's contacts have an email");
    let found: Vec<_> = store
        .find_contacts_by_email(email)
        .must()
        .iter()
        .map(|c| c.id())
        .collect();
    assert_eq!(
        found,
        [] as [crate::id::ContactId; 0],
        "a merged contact is not found by its email"
    );
    for key in &b_keys {
        let query = Query::of_kind(RecordKind::Contact).with_duplicate_key(key.clone());
        let listed = page_through(&store, &query, 2, &mut || {});
        assert!(
            !listed.contains(&RecordId::from(b.id())),
            "a merged contact listed by its {} key",
            key.kind()
        );
    }
    // A copy of the lead read before the merge, written at the lead's current version: the
    // relink is an entry of its history, so the copy does not extend it.
    let current = load(&store, lead_id).expect("the lead is stored").version();
    let mut batch = Batch::new();
    batch.update(stale_lead.into_inner(), current).must();
    let refused = store.commit(batch);
    assert!(
        matches!(&refused, Err(CommitError::Conflict(c)) if c.kind == ConflictKind::StaleHistory),
        "a copy of a record from before a merge written back: expected a stale history, got {refused:?}"
    );

    crm.unmerge(a.id(), merged.merge, me).must();
    assert_eq!(
        of(&b, RecordKind::Lead),
        [lead_id],
        "the lead back under its contact"
    );
    assert_eq!(of(&a, RecordKind::Lead), []);
    assert_eq!(about(&b), [activity_id]);
    let found: Vec<_> = store
        .find_contacts_by_email(email)
        .must()
        .iter()
        .map(|c| c.id())
        .collect();
    assert_eq!(
        found,
        [b.id()],
        "an unmerged contact is found by its email again"
    );
}

/// Organization B, with a contact, merged into organization A: the contact is listed under A
/// and none under B (two a page), B's domain finds A alone, B's duplicate keys do not list B;
/// after the unmerge everything lists as before.
pub fn organizations_follow_a_merge<S: Store>(new: impl Fn() -> S) {
    use crate::id::OrganizationId;
    use crate::merge::OrganizationChoices;
    use crate::organization::{Domain, Organization, OrganizationDetails};
    use crate::text::OrganizationName;
    let store = new();
    let sample = Sample::new(172);
    let crm = sample.crm(&store);
    let me = sample.actor();
    let create = |name: &str, domain: &str| {
        let details = OrganizationDetails::new(OrganizationName::new(name).must())
            .with_domain(Domain::new(domain).must());
        crm.create_organization(details, OnDuplicate::Refuse, me)
            .must()
            .into_organization()
    };
    let (a, b) = (
        create("Acme", "acme.test"),
        create("Acme Corporation", "acmecorp.test"),
    );
    let contact = crm
        .create_contact(sample.contact_details(), OnDuplicate::Refuse, me)
        .must()
        .into_contact();
    let contact = crm.link_contact(contact, &b, me).must();
    let contact_id = RecordId::from(contact.id());
    let of = |organization: &Versioned<Organization>| {
        let query = Query::of_kind(RecordKind::Contact).of_organization(organization.id());
        page_through(&store, &query, 2, &mut || {})
    };
    let domain = Domain::new("acmecorp.test").must();
    let found = |domain: &Domain| -> Vec<OrganizationId> {
        let found = store.find_organizations_by_domain(domain).must();
        found.iter().map(|o| o.id()).collect()
    };
    let b_keys = Record::from(b.value().clone()).duplicate_keys();
    let plan = crm
        .plan_organization_merge(a.id(), &[b.id()], OrganizationChoices::new(), me)
        .must();
    let merged = crm.merge_organizations(&plan, me).must();

    assert_eq!(
        of(&a),
        [contact_id],
        "the contact listed under the survivor"
    );
    assert_eq!(
        of(&b),
        [],
        "the contact no longer listed under the merged organization"
    );
    assert_eq!(
        found(&domain),
        [a.id()],
        "the merged organization's domain finds the survivor alone"
    );
    for key in &b_keys {
        let query = Query::of_kind(RecordKind::Organization).with_duplicate_key(key.clone());
        let listed = page_through(&store, &query, 2, &mut || {});
        assert!(
            !listed.contains(&RecordId::from(b.id())),
            "a merged organization listed by its {} key",
            key.kind()
        );
    }

    crm.unmerge_organizations(a.id(), merged.merge, me).must();
    assert_eq!(
        of(&b),
        [contact_id],
        "the contact back under its organization"
    );
    assert_eq!(of(&a), []);
    assert_eq!(
        found(&domain),
        [b.id()],
        "an unmerged organization is found by its domain again"
    );
}

/// A batch that requires the number of records naming an organization (its contacts and its
/// account) commits while that is the number stored before its writes, and conflicts naming
/// the organization once another contact was linked to it; a batch that moves a contact to
/// another organization is counted as before its writes (the moved contact still counts for
/// the one it leaves, not for the one it joins).
pub fn records_of_an_organization_are_counted<S: Store>(new: impl Fn() -> S) {
    use crate::contact::ContactDetails;
    use crate::organization::{Organization, OrganizationDetails};
    use crate::store::ConflictKind;
    use crate::text::OrganizationName;
    let store = new();
    let sample = Sample::new(173);
    let ctx = sample.ctx();
    let organization = |name: &str| {
        let details = OrganizationDetails::new(OrganizationName::new(name).must());
        let organization = Organization::create(details, &ctx).must();
        create(&store, organization.clone());
        organization.id()
    };
    let (acme, other) = (organization("Acme"), organization("Other"));
    let member = || {
        let contact = Contact::create(sample.contact_details().with_organization(acme), &ctx);
        create(&store, contact.clone());
        contact
    };
    let (first, _second) = (member(), member());
    let counting = |count: u64| {
        let mut batch = Batch::new();
        batch.require_records_of_organization(acme, count);
        batch.create(sample.contact()).must();
        batch
    };
    commit(&store, counting(2));
    // A third contact linked since: the batch counting two conflicts, naming the organization.
    member();
    let refused = store.commit(counting(2));
    assert!(
        matches!(&refused, Err(CommitError::Conflict(c))
            if c.kind == ConflictKind::RecordsOfOrganization && c.record == RecordId::Organization(acme)),
        "a batch counting two contacts of an organization that has three: expected a conflict \
         over its records, got {refused:?}"
    );
    commit(&store, counting(3));
    // A batch that moves the first contact to the other organization counts as before it.
    let moved = first
        .correct(
            ContactDetails {
                organization: Some(other),
                ..first.details().clone()
            },
            None,
            &ctx,
        )
        .must();
    let mut batch = Batch::new();
    batch.require_records_of_organization(acme, 3);
    batch.require_records_of_organization(other, 0);
    batch.update(moved, Version::FIRST).must();
    let moving = store.commit(batch);
    assert!(
        moving.is_ok(),
        "a batch moving a contact between organizations, counting them as before its writes: \
         expected it to commit, got {moving:?}"
    );
    commit(&store, counting(2));
}
