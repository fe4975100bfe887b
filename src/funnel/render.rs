//! The pipeline report as a table (`Display`) and as an SVG funnel.

use std::fmt::{self, Write as _};

use super::{Breakdown, FunnelStage, LeadStatus, OpportunityStage, PipelineReport};

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_string(), |r| format!("{:.1}%", r * 100.0))
}

fn days(d: Option<f64>) -> String {
    d.map_or_else(|| "-".to_string(), |d| format!("{d:.1} days"))
}

/// A bar of `value` out of `max`, `width` characters at most.
fn bar(value: u64, max: u64, width: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let eighths = (value as f64 / max as f64 * width as f64 * 8.0).round() as usize;
    let mut bar = "█".repeat(eighths / 8);
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    bar.push_str(PARTS[eighths % 8]);
    bar
}

impl fmt::Display for PipelineReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let top = self.reached(FunnelStage::Contact);
        writeln!(
            f,
            "Funnel (each contact counted once, at the furthest stage it reached)"
        )?;
        writeln!(
            f,
            "  {:<14} {:>9}  {:>6}  of the stage above",
            "", "contacts", "of all"
        )?;
        for stage in FunnelStage::ALL {
            let reached = self.reached(stage);
            let above = match stage {
                FunnelStage::Contact => String::new(),
                _ => percent(self.funnel_conversion(stage)),
            };
            writeln!(
                f,
                "  {:<14} {:>9}  {:>6}  {:>6}  {}",
                stage.label(),
                reached,
                percent(self.funnel_share(stage)),
                above,
                bar(reached, top, 40)
            )?;
        }
        writeln!(f, "\nConversion (of records)")?;
        writeln!(
            f,
            "  leads converted             {:>7}",
            percent(self.leads_converted())
        )?;
        writeln!(
            f,
            "  opportunities won           {:>7}",
            percent(self.opportunities_won())
        )?;
        writeln!(
            f,
            "  win rate (won / closed)     {:>7}",
            percent(self.win_rate())
        )?;

        writeln!(f, "\nRecords")?;
        writeln!(
            f,
            "  contacts {:>9}   accounts {:>9}",
            self.contacts, self.accounts
        )?;
        if self.unreadable > 0 {
            writeln!(
                f,
                "  unreadable {:>7}   (stored records that could not be read: not counted)",
                self.unreadable
            )?;
        }
        let leads: Vec<String> = LeadStatus::ALL
            .iter()
            .map(|s| format!("{s} {}", self.leads(*s)))
            .collect();
        writeln!(
            f,
            "  leads    {:>9}   {}",
            self.total_leads(),
            leads.join(", ")
        )?;
        let opportunities: Vec<String> = OpportunityStage::ALL
            .iter()
            .map(|s| format!("{s} {}", self.opportunities(*s)))
            .collect();
        writeln!(
            f,
            "  opps     {:>9}   {}",
            self.total_opportunities(),
            opportunities.join(", ")
        )?;
        let with_opportunity = self.reached(FunnelStage::Opportunity);
        if self.total_opportunities() != with_opportunity {
            writeln!(
                f,
                "  (the funnel counts contacts, each once: {with_opportunity} with an \
                 opportunity; the records count {} opportunities, as a contact may have several)",
                self.total_opportunities()
            )?;
        }

        writeln!(f, "\nTime                       mean         median")?;
        for (label, d) in [
            ("lead -> opportunity", &self.lead_to_opportunity),
            ("opportunity -> close", &self.opportunity_to_close),
        ] {
            writeln!(
                f,
                "  {label:<22} {:>12}  {:>12}   ({} measured)",
                days(d.mean_days()),
                days(d.median_days()),
                d.count()
            )?;
        }

        writeln!(f, "\nValue")?;
        writeln!(f, "  open pipeline   {}", self.open_value)?;
        writeln!(f, "  weighted        {}", self.weighted_value)?;
        writeln!(f, "  won             {}", self.won_value)?;

        let table = |f: &mut fmt::Formatter<'_>, title: &str, rows: Vec<(String, &Breakdown)>| {
            writeln!(
                f,
                "\n{title:<16} {:>7} {:>7} {:>6} {:>6} {:>9}  won value",
                "leads", "opps", "won", "lost", "win rate"
            )?;
            for (name, b) in rows {
                writeln!(
                    f,
                    "  {name:<14} {:>7} {:>7} {:>6} {:>6} {:>9}  {}",
                    b.leads,
                    b.opportunities,
                    b.won,
                    b.lost,
                    percent(b.win_rate()),
                    b.won_value
                )?;
            }
            Ok(())
        };
        table(
            f,
            "By source",
            self.by_source().map(|(s, b)| (s.to_string(), b)).collect(),
        )?;
        table(
            f,
            "By owner",
            self.by_owner()
                .map(|(o, b)| (o.map_or("(none)".to_string(), |o| o.to_string()), b))
                .collect(),
        )?;

        if self.by_pipeline().next().is_some() {
            writeln!(
                f,
                "\nBy pipeline      {:>7} {:>6} {:>6} {:>9}  open value (weighted)",
                "opps", "won", "lost", "win rate"
            )?;
            for (key, p) in self.by_pipeline() {
                writeln!(
                    f,
                    "  {key:<14} {:>7} {:>6} {:>6} {:>9}  {} ({})",
                    p.opportunities,
                    p.won,
                    p.lost,
                    percent(p.win_rate()),
                    p.open_value,
                    p.weighted_value
                )?;
                for (stage, s) in &p.stages {
                    writeln!(
                        f,
                        "    {stage:<18} {:>5} open  {} ({})",
                        s.open, s.open_value, s.weighted_value
                    )?;
                }
            }
        }

        writeln!(f, "\nDisqualify reasons")?;
        for (reason, count) in self.disqualify_reasons() {
            writeln!(f, "  {reason:<16} {count:>7}")?;
        }
        writeln!(f, "\nLoss reasons")?;
        for (reason, count) in self.loss_reasons() {
            writeln!(f, "  {reason:<16} {count:>7}")?;
        }
        if let Some(stale) = self.stale() {
            writeln!(f, "\nStale ({} in all)", stale.total())?;
            for (stage, count) in &stale.by_stage {
                writeln!(f, "  {:<22} {count:>7}", format!("{stage} (rotting)"))?;
            }

            writeln!(
                f,
                "  {:<22} {:>7}",
                "new leads unanswered", stale.unanswered_leads
            )?;
            writeln!(f, "  {:<22} {:>7}", "tasks overdue", stale.overdue_tasks)?;
            writeln!(f, "\nStale by owner (the same {})", stale.total())?;
            for (owner, count) in &stale.by_owner {
                let owner = owner
                    .as_ref()
                    .map_or("(none)".to_string(), |o| o.to_string());
                writeln!(f, "  {owner:<22} {count:>7}")?;
            }
            if !stale.by_custom_stage.is_empty() {
                writeln!(f, "\nRotting by pipeline stage (of those rotting)")?;
                for (pipeline, stages) in &stale.by_custom_stage {
                    for (stage, count) in stages {
                        let at = format!("{pipeline} / {stage}");
                        writeln!(f, "  {at:<30} {count:>7}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl PipelineReport {
    /// The funnel as an SVG document: one band per stage, as wide as the contacts that reached
    /// it, with the stage's name, its count, its share of all contacts and its conversion from
    /// the stage above. Pure: returns the text; writing it is the caller's business.
    pub fn to_svg(&self) -> String {
        const WIDTH: f64 = 760.0;
        const BAND: f64 = 78.0;
        const GAP: f64 = 10.0;
        const TOP: f64 = 70.0;
        let top = self.reached(FunnelStage::Contact);
        let colors = ["#a6cee3", "#b2df8a", "#fdbf6f", "#fb9a99"];
        let width_of = |n: u64| {
            let share = if top == 0 { 0.0 } else { n as f64 / top as f64 };
            // Never thinner than a sliver, so that a stage of 0 still shows.
            (WIDTH - 40.0) * share.max(0.0) + 4.0
        };
        let height = TOP + 4.0 * (BAND + GAP) + 40.0;
        let mut svg = String::new();
        let _ = write!(
            svg,
            r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="{x}" y="36" font-size="22" font-weight="bold" text-anchor="middle" fill="#222">Sales funnel</text>
<text x="{x}" y="58" font-size="13" text-anchor="middle" fill="#555">each contact counted at the furthest stage it reached; win rate {win}</text>
"##,
            x = WIDTH / 2.0,
            win = percent(self.win_rate()),
        );
        let mut previous: Option<u64> = None;
        for (i, stage) in FunnelStage::ALL.into_iter().enumerate() {
            let reached = self.reached(stage);
            let next = FunnelStage::ALL
                .get(i + 1)
                .map_or(reached, |s| self.reached(*s));
            let (w_top, w_bottom) = (width_of(reached), width_of(next));
            let y = TOP + i as f64 * (BAND + GAP);
            let cx = WIDTH / 2.0;
            let _ = writeln!(
                svg,
                r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{}"/>"#,
                cx - w_top / 2.0,
                y,
                cx + w_top / 2.0,
                y,
                cx + w_bottom / 2.0,
                y + BAND,
                cx - w_bottom / 2.0,
                y + BAND,
                colors[i],
            );
            let conversion = match previous {
                Some(_) => format!(
                    " · {} of the stage above",
                    percent(self.funnel_conversion(stage))
                ),
                None => String::new(),
            };
            let _ = writeln!(
                svg,
                r##"<text x="{cx}" y="{:.1}" font-size="17" font-weight="bold" text-anchor="middle" fill="#111">{} {}</text>
<text x="{cx}" y="{:.1}" font-size="13" text-anchor="middle" fill="#111">{} of contacts{}</text>"##,
                y + BAND / 2.0 - 4.0,
                stage.label(),
                reached,
                y + BAND / 2.0 + 16.0,
                percent(self.funnel_share(stage)),
                conversion,
            );
            previous = Some(reached);
        }
        svg.push_str("</svg>\n");
        svg
    }
}
