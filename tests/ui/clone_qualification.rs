// A qualification is linear: cloning it would let one assessment qualify two leads.
use prospect::Qualification;

fn copy(qualification: &Qualification) -> Qualification {
    qualification.clone()
}

fn main() {}
