//! Merges of contacts through the facade: planned from what the store holds, applied in one
//! commit that relies on everything the plan read, and undone exactly
//! ([`merge`](crate::merge)). [`Crm`]'s methods, documented, and their logic ([`Steps`]),
//! which [`AsyncCrm`] runs too.

use super::steps::{Backend, Permit, Steps, Subject as _, run};
use super::*;
use crate::access::Action;
use crate::id::MergeId;
use crate::merge::{MOST_MERGED, MergeChoices, MergeNote, MergePlan, Refusal};
use crate::relink::Step;
use crate::store::{Conflict, Precondition, Unreadable};

mod organizations;

pub use organizations::OrganizationMergeOutcome;

/// What [`Crm::merge`] or [`Crm::unmerge`] stored: the merge, the survivor, the merged
/// contacts and every record moved (to the survivor, or back), at their new versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The merge (what [`Crm::unmerge`] names).
    pub merge: MergeId,
    /// The survivor.
    pub survivor: Versioned<Contact>,
    /// The merged contacts, in the merge's order.
    pub merged: Vec<Versioned<Contact>>,
    /// The records moved.
    pub moved: Vec<Versioned<Record>>,
}

impl<S: Store> Crm<S> {
    /// Plans the merge of `merged` into `survivor` with `choices`
    /// ([`merge`](crate::merge)): every record of the merged contacts it would move (found by
    /// the store's index by contact), the survivor's details once merged, the value kept for
    /// each field the contacts hold differently, and what it refuses. Nothing is written; the
    /// plan is what [`merge`](Self::merge) applies.
    ///
    /// ```
    /// use prospect::merge::{ContactField, MergeChoices};
    /// use prospect::memory::MemoryStore;
    /// use prospect::record::AnyLead;
    /// use prospect::store::Versioned;
    /// use prospect::*;
    /// let crm = Crm::new(MemoryStore::new(), prospect::access::AllowAll);
    /// let me = User::new("ann")?;
    /// let mut create = |name: &str, email: &str| -> Result<Versioned<Contact>, Box<dyn std::error::Error>> {
    ///     let details = ContactDetails::new(Party::person(PersonName::new(name)?), LeadSource::Web)
    ///         .with_email(EmailAddress::new(email)?);
    ///     Ok(crm.create_contact(details, OnDuplicate::Refuse, &me)?.into_contact())
    /// };
    /// let robert = create("Robert Smith", "robert@acme.test")?;
    /// let bob = create("Bob Smith", "bob.smith@mail.test")?;
    /// let lead = crm.open_lead(&bob, Interest::new(Summary::new("40 seats")?, BuyingRole::DecisionMaker), &me)?;
    ///
    /// let plan = crm.plan_merge(robert.id(), &[bob.id()], MergeChoices::new(), &me)?;
    /// assert_eq!(plan.moved().len(), 1, "Bob's lead");
    /// assert!(plan.refusals().is_empty());
    /// let merged = crm.merge(&plan, &me)?;
    /// assert_eq!(crm.load::<AnyLead>(lead.id(), &me)?.value().contact(), robert.id());
    /// assert_eq!(merged.merged[0].value().merged_into(), Some(robert.id()));
    ///
    /// // Undone exactly: Bob is a contact again, with his lead.
    /// crm.unmerge(robert.id(), merged.merge, &me)?;
    /// assert_eq!(crm.load::<AnyLead>(lead.id(), &me)?.value().contact(), bob.id());
    /// assert_eq!(crm.load::<Contact>(bob.id(), &me)?.value().merged_into(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmError::MergeRefused`] when more than [`MOST_MERGED`](crate::merge::MOST_MERGED)
    /// contacts are named (nothing is read then; every other refusal is in the plan);
    /// [`CrmError::NotFound`] when a contact does not exist or `actor` may not read it;
    /// [`CrmError::Forbidden`] when they may not read its personal data, or may not edit a
    /// contact or a record the merge would write (as [`merge`](Self::merge) requires);
    /// [`CrmError::Store`].
    pub fn plan_merge(
        &self,
        survivor: ContactId,
        merged: &[ContactId],
        choices: MergeChoices,
        actor: &User,
    ) -> Result<MergePlan, CrmError<S::Error>> {
        run(self.steps().plan_merge(survivor, merged, choices, actor))
    }

    /// Applies `plan` in one commit: plans the merge again from what the store holds, and
    /// commits it if the two agree. The survivor's details become the plan's (a correction
    /// naming the merge), every record the plan lists moves to the survivor (an entry of its
    /// history), and each merged contact stays on record, merged into the survivor: no longer
    /// found by its email or its duplicate keys, refusing new work, corrections and hand-offs.
    /// The commit relies on the version of every record it writes and on the merged contacts
    /// having no other record, so a record created or changed since the plan is a conflict;
    /// one event per record written.
    ///
    /// # Errors
    ///
    /// [`CrmError::MergeRefused`] with every [`Refusal`]; [`CrmError::Conflict`] when a
    /// contact or a record changed since the plan, or a merged contact has a record the plan
    /// does not list (plan again); [`CrmError::Forbidden`] unless `actor` may edit every
    /// contact and record it writes; [`CrmError::NotFound`]; [`CrmError::Store`].
    pub fn merge(
        &self,
        plan: &MergePlan,
        actor: &User,
    ) -> Result<MergeOutcome, CrmError<S::Error>> {
        run(self.steps().merge(plan, actor))
    }

    /// Undoes the merge `merge` into `survivor`, exactly, as new entries of every history:
    /// each merged contact is a contact again (found by its email and keys), each record the
    /// merge moved goes back to its former contact, and the survivor's details are those it
    /// had before the merge. Records changed since the merge in other ways (a lead worked, an
    /// activity's custom fields written) keep those changes: only their contact is undone (the
    /// undo is rebased over them); records created for the survivor since stay the survivor's.
    ///
    /// # Errors
    ///
    /// [`CrmError::MergeRefused`] when there is no such merge to undo
    /// ([`Refusal::NotMerged`]), the survivor or a merged contact was erased since
    /// ([`Refusal::Erased`]), the survivor was corrected, merged or unmerged since, which
    /// the undo would overwrite, or work grew since from a moved record (an activity or a task
    /// about it, an opportunity qualified from it), which the undo would split from it
    /// ([`Refusal::ChangedSince`], naming the record); [`CrmError::Conflict`] when a
    /// record changed meanwhile, or a merged contact's email was taken since; [`CrmError::Forbidden`]
    /// unless `actor` may edit every contact and record it writes; [`CrmError::NotFound`];
    /// [`CrmError::Store`].
    pub fn unmerge(
        &self,
        survivor: ContactId,
        merge: MergeId,
        actor: &User,
    ) -> Result<MergeOutcome, CrmError<S::Error>> {
        run(self.steps().unmerge(survivor, merge, actor))
    }
}

/// As `AsyncCrm`'s other methods: each future is `Send`.
#[expect(
    clippy::manual_async_fn,
    reason = "an `async fn` cannot declare that its future is `Send`"
)]
impl<S: AsyncStore> AsyncCrm<S> {
    /// See [`Crm::plan_merge`].
    pub fn plan_merge<'a>(
        &'a self,
        survivor: ContactId,
        merged: &'a [ContactId],
        choices: MergeChoices,
        actor: &'a User,
    ) -> impl Future<Output = Result<MergePlan, CrmError<S::Error>>> + Send + 'a {
        async move {
            self.steps()
                .plan_merge(survivor, merged, choices, actor)
                .await
        }
    }

    /// See [`Crm::merge`].
    pub fn merge<'a>(
        &'a self,
        plan: &'a MergePlan,
        actor: &'a User,
    ) -> impl Future<Output = Result<MergeOutcome, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().merge(plan, actor).await }
    }

    /// See [`Crm::unmerge`].
    pub fn unmerge<'a>(
        &'a self,
        survivor: ContactId,
        merge: MergeId,
        actor: &'a User,
    ) -> impl Future<Output = Result<MergeOutcome, CrmError<S::Error>>> + Send + 'a {
        async move { self.steps().unmerge(survivor, merge, actor).await }
    }
}

/// What a plan reads: the contacts, and the records of the merged ones.
struct Read {
    survivor: Versioned<Contact>,
    merged: Vec<Versioned<Contact>>,
    records: Vec<Versioned<Record>>,
    unreadable: Vec<Unreadable>,
}

impl<B: Backend> Steps<'_, B> {
    pub(super) async fn plan_merge(
        &self,
        survivor: ContactId,
        merged: &[ContactId],
        choices: MergeChoices,
        actor: &User,
    ) -> Result<MergePlan, CrmError<B::Error>> {
        let read = self.read_merge(survivor, merged, actor).await?;
        // A plan lists only what its actor may merge: the records it would move are named to
        // those who may edit them (as the merge requires).
        let _ = self.allow_edits(&read, actor).await?;
        Ok(MergePlan::new(
            &read.survivor,
            &read.merged,
            choices,
            &read.records,
            &read.unreadable,
        ))
    }

    /// The contacts of a merge, loaded for `actor`, and the records of the merged ones.
    async fn read_merge(
        &self,
        survivor: ContactId,
        merged: &[ContactId],
        actor: &User,
    ) -> Result<Read, CrmError<B::Error>> {
        // Refused before anything is read: a plan sent back may name any number of contacts.
        if merged.len() > MOST_MERGED {
            return Err(CrmError::MergeRefused(vec![Refusal::TooMany {
                count: merged.len(),
            }]));
        }
        let survivor = self.load_for::<Contact>(survivor.into(), actor).await?;
        let mut contacts = Vec::with_capacity(merged.len());
        let mut records = Vec::new();
        let mut unreadable = Vec::new();
        for &id in merged {
            contacts.push(self.load_for::<Contact>(id.into(), actor).await?);
            if id == survivor.id() {
                continue;
            }
            for query in plan::ContactRecords::of(id).queries() {
                self.list_all(&query, &mut |page| {
                    records.extend(
                        page.records
                            .into_iter()
                            .filter(|r| r.value().contact() == Some(id)),
                    );
                    unreadable.extend(page.unreadable);
                })
                .await?;
            }
        }
        Ok(Read {
            survivor,
            merged: contacts,
            records,
            unreadable,
        })
    }

    pub(super) async fn merge(
        &self,
        plan: &MergePlan,
        actor: &User,
    ) -> Result<MergeOutcome, CrmError<B::Error>> {
        let ids = plan.merged_ids();
        let read = self
            .read_merge(plan.survivor().contact, &ids, actor)
            .await?;
        let fresh = MergePlan::new(
            &read.survivor,
            &read.merged,
            plan.choices().clone(),
            &read.records,
            &read.unreadable,
        );
        if !fresh.refusals().is_empty() {
            return Err(CrmError::MergeRefused(fresh.refusals().to_vec()));
        }
        if let Some(conflict) = difference(plan, &fresh) {
            return Err(CrmError::Conflict(conflict));
        }
        let permit = self.allow_edits(&read, actor).await?;
        let ctx = self.context(actor);
        let step = Step {
            merge: MergeId::generate(ctx.ids()),
            undo: false,
            at: ctx.now(),
            by: actor,
        };
        let survivor_id = read.survivor.id();
        let note = MergeNote::new(&step, survivor_id, &ids);
        let mut batch = Batch::new();
        let (survivor, version) = read.survivor.into_parts();
        let survivor = survivor.merge_entry(&step, note.clone(), fresh.details().clone());
        batch.push_distinct(survivor.clone().into(), Precondition::Version(version));
        let mut outcome = MergeOutcome {
            merge: step.merge,
            survivor: Versioned::new(survivor, version.next()),
            merged: Vec::with_capacity(read.merged.len()),
            moved: Vec::with_capacity(read.records.len()),
        };
        for contact in &read.merged {
            // Exactly the records the plan moves name it (counted before this commit's
            // writes): one created since would stay with a merged contact.
            let of_contact = fresh
                .moved()
                .iter()
                .filter(|m| m.from == contact.id())
                .count();
            batch.require_records_of(contact.id(), of_contact as u64);
        }
        let moves = Moves {
            step: &step,
            note: &note,
        };
        moves.write(read.merged, read.records, &mut batch, &mut outcome, |_| {
            Some(survivor_id)
        });
        self.apply(
            plan::Plan {
                batch,
                output: outcome,
            },
            actor,
            permit,
        )
        .await
    }

    /// The permit to edit every contact and record a merge (or its undo) writes.
    async fn allow_edits(&self, read: &Read, actor: &User) -> Result<Permit, CrmError<B::Error>> {
        let mut permit = self.allow(actor, Action::Edit, read.survivor.resource())?;
        for contact in &read.merged {
            permit = permit.and(self.allow(actor, Action::Edit, contact.resource())?);
        }
        for record in &read.records {
            permit = permit.and(self.allow_on(actor, Action::Edit, record.value()).await?);
        }
        Ok(permit)
    }

    pub(super) async fn unmerge(
        &self,
        survivor: ContactId,
        merge: MergeId,
        actor: &User,
    ) -> Result<MergeOutcome, CrmError<B::Error>> {
        let loaded = self.load_for::<Contact>(survivor.into(), actor).await?;
        let refuse = |refusal| Err(CrmError::MergeRefused(vec![refusal]));
        let corrections = loaded.corrections();
        let Some(at) = corrections.iter().rposition(|c| {
            c.merge()
                .is_some_and(|n| n.merge() == merge && n.survivor() == survivor.into())
        }) else {
            return refuse(Refusal::NotMerged { merge, survivor });
        };
        let made = &corrections[at];
        let note = made.merge().cloned();
        let Some(merged_ids) = note
            .filter(|n| !n.is_undo())
            .and_then(|n| Some(n.contacts()?.1))
        else {
            return refuse(Refusal::NotMerged { merge, survivor });
        };
        if loaded.erasure().is_some() {
            return refuse(Refusal::Erased { contact: survivor });
        }
        if at + 1 != corrections.len() {
            return refuse(Refusal::ChangedSince {
                record: survivor.into(),
            });
        }
        let before = made.details().before().clone();
        // The merged contacts, still merged by this merge.
        let mut merged = Vec::with_capacity(merged_ids.len());
        for &id in &merged_ids {
            let contact = self.load_for::<Contact>(id.into(), actor).await?;
            if contact.erasure().is_some() {
                return refuse(Refusal::Erased { contact: id });
            }
            let last = contact.notes().rev().find(|n| !n.is_survivor(id.into()));
            if last.is_none_or(|n| n.merge() != merge || n.is_undo()) {
                return refuse(Refusal::ChangedSince { record: id.into() });
            }
            merged.push(contact);
        }
        // The survivor's records this merge moved to it (those created for it since stay).
        let mut records = Vec::new();
        let mut since = Vec::new();
        let mut unreadable = Vec::new();
        for query in plan::ContactRecords::of(survivor).queries() {
            self.list_all(&query, &mut |page| {
                for record in page.records {
                    let value = record.value();
                    if value.contact() != Some(survivor) {
                        continue;
                    }
                    let moved = value.relinks().last();
                    match moved.is_some_and(|l| l.merge() == merge && !l.is_undo()) {
                        true => records.push(record),
                        false => since.push(record.into_inner()),
                    }
                }
                unreadable.extend(page.unreadable);
            })
            .await?;
        }
        if let Some(u) = unreadable.first() {
            return refuse(Refusal::Unreadable {
                kind: u.kind,
                id: u.id.clone(),
            });
        }
        // Work that grew since from a moved record (an activity or a task about it, an
        // opportunity qualified from it) would be split from it: the undo refuses, naming it.
        if let Some(grown) = since.iter().find(|r| grew_from(r, &records)) {
            return refuse(Refusal::ChangedSince { record: grown.id() });
        }
        let read = Read {
            survivor: loaded,
            merged,
            records,
            unreadable,
        };
        let permit = self.allow_edits(&read, actor).await?;
        let ctx = self.context(actor);
        let step = Step {
            merge,
            undo: true,
            at: ctx.now(),
            by: actor,
        };
        let undo = MergeNote::new(&step, survivor, &merged_ids);
        let mut batch = Batch::new();
        // Exactly the records listed name the survivor (counted before this commit's writes):
        // work created meanwhile about a moved record is a conflict, never split from it.
        let of_survivor = read.records.len() + since.len();
        batch.require_records_of(survivor, of_survivor as u64);
        let (current, version) = read.survivor.into_parts();
        // The emails that come back to the index must be free: the survivor's from before the
        // merge, and each merged contact's, unless the survivor holds it now (and gives it
        // back in this commit).
        let holds = |email: &crate::email::EmailAddress| {
            current
                .email()
                .is_some_and(|e| e.normalized() == email.normalized())
        };
        let returning = before
            .email
            .iter()
            .chain(read.merged.iter().filter_map(|c| c.email()));
        for email in returning.filter(|e| !holds(e)) {
            batch.require_no_contact_with(email);
        }
        let restored = current.merge_entry(&step, undo.clone(), before);
        batch.push_distinct(restored.clone().into(), Precondition::Version(version));
        let mut outcome = MergeOutcome {
            merge,
            survivor: Versioned::new(restored, version.next()),
            merged: Vec::with_capacity(read.merged.len()),
            moved: Vec::with_capacity(read.records.len()),
        };
        let moves = Moves {
            step: &step,
            note: &undo,
        };
        // Each record back to the contact the merge moved it from.
        moves.write(read.merged, read.records, &mut batch, &mut outcome, |r| {
            r.relinks().last().map(|l| l.from())
        });
        self.apply(
            plan::Plan {
                batch,
                output: outcome,
            },
            actor,
            permit,
        )
        .await
    }
}

/// What a merge (or its undo) writes of each merged contact and each record it moves.
struct Moves<'a> {
    step: &'a Step<'a>,
    note: &'a MergeNote,
}

impl Moves<'_> {
    /// Writes into `batch`, and keeps in `outcome`, each of `merged` with its entry (its
    /// details kept) and each of `records` moved to the contact `to` gives it.
    fn write(
        &self,
        merged: Vec<Versioned<Contact>>,
        records: Vec<Versioned<Record>>,
        batch: &mut Batch,
        outcome: &mut MergeOutcome,
        to: impl Fn(&Record) -> Option<ContactId>,
    ) {
        for contact in merged {
            let (contact, version) = contact.into_parts();
            let details = contact.details().clone();
            let contact = contact.merge_entry(self.step, self.note.clone(), details);
            batch.push_distinct(contact.clone().into(), Precondition::Version(version));
            outcome.merged.push(Versioned::new(contact, version.next()));
        }
        for record in records {
            let (record, version) = record.into_parts();
            let Some(moved) = to(&record).and_then(|to| record.relinked(self.step, to)) else {
                continue;
            };
            batch.push_distinct(moved.clone(), Precondition::Version(version));
            outcome.moved.push(Versioned::new(moved, version.next()));
        }
    }
}

/// Whether `record`, made for the survivor after the merge, is about one of the records the
/// merge `moved` or was qualified from one.
fn grew_from(record: &Record, moved: &[Versioned<Record>]) -> bool {
    let is_moved = |id: RecordId| moved.iter().any(|m| m.id() == id);
    match record {
        Record::Activity(_) | Record::Task(_) => record.regarding().is_some_and(is_moved),
        Record::Opportunity(o) => is_moved(o.lead().into()),
        _ => false,
    }
}

/// The first way `fresh` differs from `plan` as a conflict: a contact or a record at another
/// version, or a merged contact with a record the plan does not list (or lists no more).
fn difference(plan: &MergePlan, fresh: &MergePlan) -> Option<Conflict> {
    let pins = std::iter::once(plan.survivor()).chain(plan.merged().iter().copied());
    let fresh_pins = std::iter::once(fresh.survivor()).chain(fresh.merged().iter().copied());
    for (old, new) in pins.zip(fresh_pins) {
        if old.version != new.version {
            return Some(Conflict::new(
                old.contact.into(),
                Precondition::Version(old.version),
                Some(new.version),
            ));
        }
    }
    for m in fresh.moved() {
        match plan.moved().iter().find(|p| p.record == m.record) {
            Some(p) if p.version != m.version => {
                return Some(Conflict::new(
                    m.record,
                    Precondition::Version(p.version),
                    Some(m.version),
                ));
            }
            Some(_) => {}
            None => return Some(Conflict::records_of_contact(m.from)),
        }
    }
    plan.moved()
        .iter()
        .find(|p| !fresh.moved().iter().any(|m| m.record == p.record))
        .map(|p| Conflict::records_of_contact(p.from))
}
