//! The year's custom fields and pipelines: what a business adds to the crate's records, as
//! data. Contacts have an `industry`; opportunities a `segment` and a number of `seats`;
//! new business and renewals go through pipelines of their own, whose custom stages sit inside
//! the typed backbone.

use std::collections::BTreeMap;
use std::error::Error;

use prospect::fields::{
    FieldDefinition, FieldKey, FieldSchema, FieldType, FieldValue, FieldValues, PicklistOption,
    Pipeline, PipelineStage, SchemaChange,
};
use prospect::funnel::{GroupedReport, PipelineReport};
use prospect::record::{RecordKind, RecordState};
use prospect::state::OpportunityStage::{self, Contracting, Discovery, Negotiation, Proposal};
use prospect::store::{FieldMatch, MAX_PAGE, Query, Store};
use prospect::{Crm, Probability, User};

use super::Rng;

/// The key `key`, which is valid.
pub fn key(key: &str) -> FieldKey {
    FieldKey::new(key).unwrap_or_else(|e| panic!("{key}: {e}"))
}

const INDUSTRIES: [&str; 4] = ["software", "retail", "manufacturing", "services"];

/// Stores the schema: the fields, then the two pipelines, one change per commit.
pub fn define<Db: Store>(crm: &Crm<Db>, admin: &User) -> Result<FieldSchema, Box<dyn Error>> {
    let picklist = |options: &[&str]| FieldType::Picklist {
        options: options
            .iter()
            .map(|o| PicklistOption::new(key(o), *o))
            .collect(),
    };
    let stage = |k: &str, label: &str, backbone: OpportunityStage, percent| {
        Ok::<_, Box<dyn Error>>(PipelineStage::new(
            key(k),
            label,
            backbone,
            Probability::new(percent)?,
        ))
    };
    let new_business = Pipeline::new(
        key("new_business"),
        "New business",
        vec![
            stage("first_meeting", "First meeting", Discovery, 10)?,
            stage("demo", "Demo", Discovery, 25)?,
            stage("quote", "Quote", Proposal, 45)?,
            stage("terms", "Terms", Negotiation, 65)?,
            stage("signature", "Signature", Contracting, 85)?.stale_after_days(10),
        ],
    );
    let renewals = Pipeline::new(
        key("renewals"),
        "Renewals",
        vec![
            stage("usage_review", "Usage review", Discovery, 40)?,
            stage("renewal_quote", "Renewal quote", Proposal, 60)?,
            stage("renewal_terms", "Renewal terms", Negotiation, 80)?,
            stage("renewal_signature", "Signature", Contracting, 95)?,
        ],
    );
    let changes = [
        SchemaChange::AddField {
            kind: RecordKind::Contact,
            field: FieldDefinition::new(key("industry"), "Industry", picklist(&INDUSTRIES)),
        },
        SchemaChange::AddField {
            kind: RecordKind::Opportunity,
            field: FieldDefinition::new(
                key("segment"),
                "Segment",
                picklist(&["smb", "mid_market", "enterprise"]),
            ),
        },
        SchemaChange::AddField {
            kind: RecordKind::Opportunity,
            field: FieldDefinition::new(
                key("seats"),
                "Seats",
                FieldType::Integer {
                    min: 1,
                    max: 10_000,
                },
            ),
        },
        SchemaChange::AddPipeline {
            pipeline: new_business,
        },
        SchemaChange::AddPipeline { pipeline: renewals },
    ];
    let mut schema = crm.field_schema(admin)?;
    for change in changes {
        schema = crm.change_field_schema(schema.version(), change, admin)?;
    }
    Ok(schema)
}

/// A contact's custom values: its industry.
pub fn contact_values(rng: &mut Rng) -> FieldValues {
    let mut values = FieldValues::new();
    let industry = INDUSTRIES[rng.next_u64() as usize % INDUSTRIES.len()];
    values.set(key("industry"), FieldValue::Picklist(key(industry)));
    values
}

/// An opportunity's custom values (its seats, and the segment they make it) and its pipeline:
/// renewals for a customer's repeat business, else new business.
pub fn opportunity_values(rng: &mut Rng, first_time: bool) -> (FieldValues, FieldKey) {
    let seats = rng.between(5, 400);
    let segment = match seats {
        0..=24 => "smb",
        25..=149 => "mid_market",
        _ => "enterprise",
    };
    let mut values = FieldValues::new();
    values.set(key("seats"), FieldValue::Integer(seats as i64));
    values.set(key("segment"), FieldValue::Picklist(key(segment)));
    let pipeline = if first_time {
        "new_business"
    } else {
        "renewals"
    };
    (values, key(pipeline))
}

/// The report's pipelines, with their stages in the schema's order and their labels.
pub fn print_pipelines(schema: &FieldSchema, report: &PipelineReport) {
    let counted: BTreeMap<_, _> = report.by_pipeline().collect();
    println!("\nPipelines (custom stages inside the backbone, in order; open deals in each)");
    for pipeline in schema.pipelines() {
        let Some(counts) = counted.get(pipeline.key()) else {
            continue;
        };
        println!(
            "  {:<28} {:>6} deals  {:>5} won  {:>5} lost  open {}",
            pipeline.label(),
            counts.opportunities,
            counts.won,
            counts.lost,
            counts.open_value
        );
        for stage in pipeline.stages() {
            let open = counts.stages.get(stage.key()).map_or(0, |s| s.open);
            let inside = format!("({})", stage.backbone());
            println!(
                "    {:<14} {inside:<13} {open:>6} open, at {:>3}%",
                stage.label(),
                stage.probability().get()
            );
        }
    }
}

/// The funnel by the contacts' `industry` (a picklist): one report per industry.
pub fn print_industries<Db: Store>(store: &Db) -> Result<(), Box<dyn Error>> {
    let grouped = GroupedReport::from_store(store, key("industry"))?;
    println!("\nThe funnel by industry (a custom picklist on contacts)\n{grouped}");
    Ok(())
}

/// Opportunities by the picklist `segment`, in the schema's order of its options: each
/// segment's deals, and those won, found by the store's field index (`Query::with_field`), not
/// by a scan.
pub fn print_segments<Db: Store>(store: &Db, schema: &FieldSchema) -> Result<(), Box<dyn Error>> {
    let segment = key("segment");
    let options = schema
        .field(RecordKind::Opportunity, &segment)
        .and_then(|f| f.field_type().options())
        .unwrap_or_default();
    println!("\nOpportunities by segment (a custom picklist; each found by the field index)");
    for option in options {
        let of = |query: Query| {
            query.with_field(segment.clone(), FieldMatch::Picklist(option.key().clone()))
        };
        let all = count(store, &of(Query::of_kind(RecordKind::Opportunity)))?;
        let won = count(
            store,
            &of(Query::in_state(RecordState::Opportunity(
                OpportunityStage::Won,
            ))),
        )?;
        println!("  {:<14} {all:>7} deals  {won:>6} won", option.key());
    }
    Ok(())
}

/// How many records `query` lists (those that cannot be read included), page after page.
fn count<Db: Store>(store: &Db, query: &Query) -> Result<usize, Box<dyn Error>> {
    let (mut found, mut after) = (0, None);
    loop {
        let page = store.list(query, after, MAX_PAGE)?;
        found += page.records.len() + page.unreadable.len();
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(found),
        }
    }
}
