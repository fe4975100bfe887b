//! The naive baseline: what a hand-rolled store of `prospect`'s records does. The same records,
//! histories and evidence as the facade's lifecycle stores, written as plain structs of owned
//! `String`s and `Vec`s; every save deep-copies the record into a `HashMap`, every read
//! deep-copies it out, and contacts are found by email in an index of lowercased addresses.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{Ids, Input};

/// One history entry: when, from, to, who, and the evidence.
#[derive(Clone, Debug)]
pub struct Entry<S, E> {
    pub at: DateTime<Utc>,
    pub from: Option<S>,
    pub to: S,
    pub by: String,
    pub evidence: E,
}

#[derive(Clone, Debug)]
pub struct Contact {
    pub id: Uuid,
    pub name: String,
    pub job_title: String,
    pub organization: String,
    pub email: String,
    pub source: &'static str,
    pub owner: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadStatus {
    New,
    Working,
    Converted,
}

#[derive(Clone, Debug)]
pub enum LeadEvidence {
    Opened,
    Touch {
        channel: &'static str,
        summary: String,
    },
    Converted {
        opportunity: Uuid,
    },
}

#[derive(Clone, Debug)]
pub struct Lead {
    pub id: Uuid,
    pub contact: Uuid,
    pub status: LeadStatus,
    pub interest: String,
    pub role: &'static str,
    pub owner: String,
    pub history: Vec<Entry<LeadStatus, LeadEvidence>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Discovery,
    Proposal,
    Negotiation,
    Contracting,
    Won,
}

#[derive(Clone, Debug)]
pub struct Qualification {
    pub need: String,
    pub requirements: Vec<String>,
    pub budget_minor: i64,
    pub decision_date: NaiveDate,
    pub assessed_on: NaiveDate,
}

#[derive(Clone, Debug)]
pub enum OpportunityEvidence {
    Qualified {
        lead: Uuid,
    },
    Proposed {
        summary: String,
        amount_minor: i64,
        sent_on: NaiveDate,
    },
    Negotiating {
        note: String,
    },
    Contracting {
        net_days: u16,
        instalments: u8,
        incumbent: &'static str,
    },
    Won {
        reference: String,
        value_minor: i64,
        signed_on: NaiveDate,
        signed_by: String,
        account: Uuid,
    },
}

#[derive(Clone, Debug)]
pub struct Opportunity {
    pub id: Uuid,
    pub lead: Uuid,
    pub contact: Uuid,
    pub stage: Stage,
    pub owner: String,
    pub interest: String,
    pub qualification: Qualification,
    pub amount_minor: i64,
    pub currency: [u8; 3],
    pub probability: u8,
    pub history: Vec<Entry<Stage, OpportunityEvidence>>,
}

#[derive(Clone, Debug)]
pub struct Account {
    pub id: Uuid,
    pub contact: Uuid,
    pub owner: String,
    pub wins: Vec<(Uuid, DateTime<Utc>, i64)>,
}

#[derive(Clone, Debug)]
pub enum Record {
    Contact(Contact),
    Lead(Lead),
    Opportunity(Opportunity),
    Account(Account),
}

/// The store: records deep-copied in and out, and contacts by email.
#[derive(Default)]
pub struct Store {
    pub records: HashMap<Uuid, Record>,
    emails: HashMap<String, Uuid>,
}

impl Store {
    /// Saves a copy of `record`.
    pub fn save(&mut self, id: Uuid, record: &Record) {
        self.records.insert(id, record.clone());
    }

    /// A copy of the record saved under `id`.
    pub fn read(&self, id: Uuid) -> Record {
        self.records.get(&id).cloned().expect("saved before")
    }

    /// Saves a new contact unless one already has its email.
    pub fn create_contact(&mut self, contact: &Contact) -> Result<(), &'static str> {
        let key = contact.email.to_lowercase();
        if self.emails.contains_key(&key) {
            return Err("email taken");
        }
        self.emails.insert(key, contact.id);
        self.save(contact.id, &Record::Contact(contact.clone()));
        Ok(())
    }

    fn lead(&self, id: Uuid) -> Lead {
        match self.read(id) {
            Record::Lead(lead) => lead,
            _ => panic!("not a lead"),
        }
    }

    fn opportunity(&self, id: Uuid) -> Opportunity {
        match self.read(id) {
            Record::Opportunity(opportunity) => opportunity,
            _ => panic!("not an opportunity"),
        }
    }

    /// Reads an opportunity, moves it to `to` with `evidence`, saves it.
    fn advance(
        &mut self,
        id: Uuid,
        to: Stage,
        probability: u8,
        evidence: OpportunityEvidence,
        now: DateTime<Utc>,
        by: &str,
    ) -> Record {
        let mut o = self.opportunity(id);
        o.history.push(Entry {
            at: now,
            from: Some(o.stage),
            to,
            by: by.to_string(),
            evidence,
        });
        o.stage = to;
        o.probability = probability;
        let record = Record::Opportunity(o);
        self.save(id, &record);
        record
    }
}

/// One lifecycle as the facade's: contact, lead, touch, qualify, proposal, negotiation,
/// contracting, win, account; every step read from the store and saved back.
pub fn lifecycle(store: &mut Store, ids: &mut Ids, input: Input, now: DateTime<Utc>) {
    let (contact, lead, opportunity, account) = (ids.next(), ids.next(), ids.next(), ids.next());
    let me = "claire";
    let today = now.date_naive();
    store
        .create_contact(&Contact {
            id: contact,
            name: input.name,
            job_title: "Head of Sales".to_string(),
            organization: "Acme SA".to_string(),
            email: input.email,
            source: "web",
            owner: me.to_string(),
            created_at: now,
        })
        .expect("a new email");
    let opened = Lead {
        id: lead,
        contact,
        status: LeadStatus::New,
        interest: input.interest,
        role: "influencer",
        owner: me.to_string(),
        history: vec![Entry {
            at: now,
            from: None,
            to: LeadStatus::New,
            by: me.to_string(),
            evidence: LeadEvidence::Opened,
        }],
    };
    store.save(lead, &Record::Lead(opened));

    let mut l = store.lead(lead);
    l.history.push(Entry {
        at: now,
        from: Some(l.status),
        to: LeadStatus::Working,
        by: me.to_string(),
        evidence: LeadEvidence::Touch {
            channel: "call",
            summary: "Discovery call".to_string(),
        },
    });
    l.status = LeadStatus::Working;
    store.save(lead, &Record::Lead(l));

    let mut l = store.lead(lead);
    l.history.push(Entry {
        at: now,
        from: Some(l.status),
        to: LeadStatus::Converted,
        by: me.to_string(),
        evidence: LeadEvidence::Converted { opportunity },
    });
    l.status = LeadStatus::Converted;
    let qualified = Opportunity {
        id: opportunity,
        lead,
        contact,
        stage: Stage::Discovery,
        owner: l.owner.clone(),
        interest: l.interest.clone(),
        qualification: Qualification {
            need: "Replace spreadsheets".to_string(),
            requirements: vec!["40 seats".to_string()],
            budget_minor: 3_000_000,
            decision_date: today + chrono::Days::new(90),
            assessed_on: today,
        },
        amount_minor: 3_000_000,
        currency: *b"EUR",
        probability: 20,
        history: vec![Entry {
            at: now,
            from: None,
            to: Stage::Discovery,
            by: me.to_string(),
            evidence: OpportunityEvidence::Qualified { lead },
        }],
    };
    store.save(lead, &Record::Lead(l));
    store.save(opportunity, &Record::Opportunity(qualified));

    let proposed = OpportunityEvidence::Proposed {
        summary: "40 seats, 3 years".to_string(),
        amount_minor: input.amount_minor,
        sent_on: today,
    };
    store.advance(opportunity, Stage::Proposal, 50, proposed, now, me);
    let note = OpportunityEvidence::Negotiating {
        note: "Quarterly billing".to_string(),
    };
    store.advance(opportunity, Stage::Negotiation, 75, note, now, me);
    let terms = OpportunityEvidence::Contracting {
        net_days: 30,
        instalments: 4,
        incumbent: "none in place",
    };
    store.advance(opportunity, Stage::Contracting, 90, terms, now, me);
    let contract = OpportunityEvidence::Won {
        reference: "C-1".to_string(),
        value_minor: 3_500_000,
        signed_on: today,
        signed_by: "Paul Durand".to_string(),
        account,
    };
    let won = store.advance(opportunity, Stage::Won, 100, contract, now, me);
    let opened = Account {
        id: account,
        contact,
        owner: me.to_string(),
        wins: vec![(opportunity, now, 3_500_000)],
    };
    store.save(account, &Record::Account(opened));
    std::hint::black_box(won);
}
