//! The funnel grouped by a contact's picklist field (issue 28): one report per option, each
//! counting the contacts with that option and their leads, opportunities and accounts.

use std::collections::BTreeMap;
use std::fmt;

use hashbrown::HashMap;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::{Contributes, FUNNEL_KINDS, FunnelStage, PipelineReport};
use crate::custom::{FieldKey, FieldValue};
use crate::id::ContactId;
use crate::kind::RecordKind;
use crate::record::Record;
use crate::store::Store;

/// The funnel per option of a contact's picklist field (an industry, a region): the report of
/// each group of contacts with the same option, counting them and their leads, opportunities
/// and accounts as [`PipelineReport`] does. Contacts with no option (no value, or a field that
/// is not a picklist) are the group `None`, and so are the records of a contact not counted.
/// The groups split the records: their counts add up to the whole report's.
///
/// ```
/// use prospect::fields::FieldKey;
/// use prospect::funnel::GroupedReport;
/// let industry = FieldKey::new("industry")?;
/// let grouped = GroupedReport::by_contact_field(industry, []);
/// assert_eq!(grouped.groups().count(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupedReport {
    field: FieldKey,
    groups: BTreeMap<Option<FieldKey>, PipelineReport>,
    unreadable: u64,
}

/// The contact `record` counts under: itself for a contact, else its contact.
fn contact_of(record: &Record) -> Option<ContactId> {
    match record {
        Record::Contact(c) => Some(c.id()),
        other => other.contact(),
    }
}

/// The option of `field` a contact record holds, if it holds one.
fn option_of(record: &Record, field: &FieldKey) -> Option<FieldKey> {
    match record.custom_fields()?.get(field) {
        Some(FieldValue::Picklist(option)) => Some(option.clone()),
        _ => None,
    }
}

impl GroupedReport {
    fn new(field: FieldKey) -> GroupedReport {
        GroupedReport {
            field,
            groups: BTreeMap::new(),
            unreadable: 0,
        }
    }

    /// The records' funnel grouped by the option of `field` on their contacts, in two passes
    /// (the contacts' options first).
    pub fn by_contact_field<'a, I>(field: FieldKey, records: I) -> GroupedReport
    where
        I: IntoIterator<Item = &'a Record>,
        I::IntoIter: Clone,
    {
        let records = records.into_iter();
        let mut grouped = GroupedReport::new(field);
        let options: HashMap<ContactId, FieldKey> = records
            .clone()
            .filter(|r| r.kind() == RecordKind::Contact)
            .filter_map(|r| Some((contact_of(r)?, option_of(r, &grouped.field)?)))
            .collect();
        for record in records {
            grouped.add(&options, record);
        }
        grouped
    }

    /// The funnel of every record in `store` grouped by the option of `field` on their
    /// contacts: the contacts scanned first (their options kept, one per contact with one),
    /// then the other kinds, a page at a time.
    ///
    /// # Errors
    ///
    /// The store's error.
    pub fn from_store<S: Store + ?Sized>(
        store: &S,
        field: FieldKey,
    ) -> Result<GroupedReport, S::Error> {
        let mut grouped = GroupedReport::new(field);
        let mut options = HashMap::new();
        for kind in FUNNEL_KINDS {
            let scanned = store.scan(kind, &mut |r| {
                let record = r.value();
                if kind == RecordKind::Contact {
                    if let (Some(id), Some(option)) =
                        (contact_of(record), option_of(record, &grouped.field))
                    {
                        options.insert(id, option);
                    }
                }
                grouped.add(&options, record);
            })?;
            grouped.unreadable += scanned.unreadable.len() as u64;
        }
        Ok(grouped)
    }

    /// Adds `record` to the group of its contact's option (a record of a kind the funnel does
    /// not count, as work, makes no group).
    fn add(&mut self, options: &HashMap<ContactId, FieldKey>, record: &Record) {
        if !FUNNEL_KINDS.contains(&record.kind()) {
            return;
        }
        let option = contact_of(record).and_then(|c| options.get(&c)).cloned();
        self.groups
            .entry(option)
            .or_default()
            .add(&record.contribution());
    }

    /// The field the report is grouped by.
    pub fn field(&self) -> &FieldKey {
        &self.field
    }

    /// The report of the contacts with `option` (`None`: with none), if any record is in it.
    pub fn group(&self, option: Option<&FieldKey>) -> Option<&PipelineReport> {
        self.groups.get(&option.cloned())
    }

    /// Each group with records, by option (`None` first).
    pub fn groups(&self) -> impl Iterator<Item = (Option<&FieldKey>, &PipelineReport)> {
        self.groups.iter().map(|(o, r)| (o.as_ref(), r))
    }

    /// Stored records a scan could not read, and so could not count.
    pub fn unreadable(&self) -> u64 {
        self.unreadable
    }
}

impl fmt::Display for GroupedReport {
    /// A line per group: its contacts, those with a lead, an opportunity and a win, its win
    /// rate and its won value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "By {:<14} {:>8} {:>7} {:>7} {:>9} {:>9}  won value",
            self.field, "contacts", "leads", "opps", "customers", "win rate"
        )?;
        for (option, report) in self.groups() {
            let option = option.map_or_else(|| "(none)".to_string(), ToString::to_string);
            let rate = report
                .win_rate()
                .map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0));
            writeln!(
                f,
                "  {option:<15} {:>8} {:>7} {:>7} {:>9} {rate:>9}  {}",
                report.reached(FunnelStage::Contact),
                report.reached(FunnelStage::Lead),
                report.reached(FunnelStage::Opportunity),
                report.reached(FunnelStage::Customer),
                report.won_value()
            )?;
        }
        Ok(())
    }
}

impl Serialize for GroupedReport {
    /// `{"field": "industry", "groups": [{"option": "retail" or null, "report": {...}}],
    /// "unreadable": 0}`, each report in [`PipelineReport`]'s shape.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Group<'a> {
            option: Option<&'a FieldKey>,
            report: &'a PipelineReport,
        }
        let groups: Vec<Group<'_>> = self
            .groups()
            .map(|(option, report)| Group { option, report })
            .collect();
        let mut out = s.serialize_struct("GroupedReport", 3)?;
        out.serialize_field("field", &self.field)?;
        out.serialize_field("groups", &groups)?;
        out.serialize_field("unreadable", &self.unreadable)?;
        out.end()
    }
}
