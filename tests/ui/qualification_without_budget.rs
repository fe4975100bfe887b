// build() exists only once need, budget and timeline are given.
use prospect::{Need, Qualification, Timeline};

fn build(need: Need, timeline: Timeline) {
    let _ = Qualification::builder().need(need).timeline(timeline).build();
}

fn main() {}
