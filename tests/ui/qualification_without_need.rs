// build() exists only once need, budget and timeline are given.
use prospect::{Budget, Qualification, Timeline};

fn build(budget: Budget, timeline: Timeline) {
    let _ = Qualification::builder().budget(budget).timeline(timeline).build();
}

fn main() {}
