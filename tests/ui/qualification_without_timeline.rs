// build() exists only once need, budget and timeline are given.
use prospect::{Budget, Need, Qualification};

fn build(need: Need, budget: Budget) {
    let _ = Qualification::builder().need(need).budget(budget).build();
}

fn main() {}
