// A task is added about an open lead only: a converted lead's next steps go on its opportunity.
use prospect::{state::Converted, Context, Lead, Task, TaskDetails};

fn add(lead: &Lead<Converted>, details: TaskDetails, ctx: &Context<'_>) {
    let _ = Task::on_lead(lead, details, ctx);
}

fn main() {}
