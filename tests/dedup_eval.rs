//! The near-duplicate stage on the labelled sets in `tests/fixtures/dedup/` (story ids in
//! the files): floors that a change to the merging rules must keep. Each floor sits a
//! little under the figure recorded in docs/benchmarks.md, so a rule that starts merging
//! template twins or stops merging rewordings fails here, not in an editor's draft.

use banyue::dedup::NearDup;
use banyue::eval::dedup::{Evaluation, evaluate, load};

fn run(name: &str) -> Evaluation {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/dedup/{name}.json"));
    let reports = load(&path).unwrap_or_else(|e| panic!("{name}: {e:#}"));
    assert!(reports.len() >= 250, "{name}: {} reports", reports.len());
    evaluate(&NearDup::default(), reports)
}

/// (wrong merges at most, twins merged at most, rewordings merged at least).
fn check(name: &str, wrong: usize, twins: usize, rewordings: f64) {
    let e = run(name);
    let report = e.render(true);
    let (twin_total, twins_merged) = e.twins();
    let (reworded_total, reworded) = e.rewordings();
    assert!(
        twin_total >= 100 && reworded_total >= 70,
        "{name}: too few pairs\n{report}"
    );
    assert!(
        e.wrong_merges().len() <= wrong,
        "{name}: {} wrong merges (at most {wrong})\n{report}",
        e.wrong_merges().len()
    );
    assert!(
        twins_merged <= twins,
        "{name}: {twins_merged} of {twin_total} twins merged (at most {twins})\n{report}"
    );
    let share = reworded as f64 / reworded_total as f64;
    assert!(
        share >= rewordings,
        "{name}: rewordings merged {reworded} of {reworded_total} (at least {:.0}%)\n{report}",
        rewordings * 100.0
    );
}

#[test]
fn the_first_dev_set() {
    check("dev", 0, 0, 0.91);
}

#[test]
fn the_second_dev_set() {
    check("dev2", 0, 0, 0.91);
}

#[test]
fn the_held_out_sets() {
    // Measured, never tuned on: the floors only keep what they showed from slipping.
    check("heldout", 0, 0, 0.77);
    check("heldout2", 0, 0, 0.82);
}

#[test]
fn a_fortnight_of_distinct_stories_stays_apart() {
    // The classification corpora in one window (scripts/corpus_dedup.py): thousands of
    // distinct stories that share companies, cities and headline forms, and the few
    // repeats found among them. Before the rare-name rule asked for more than a name and
    // a word of the lead, 39 of them were merged into another story.
    let e = run("corpus-dev");
    let report = e.render(true);
    let (reworded_total, reworded) = e.rewordings();
    assert!(reworded_total >= 20, "too few repeats\n{report}");
    assert!(
        e.wrong_merges().len() <= 18,
        "{} wrong merges (at most 18)\n{report}",
        e.wrong_merges().len()
    );
    assert!(
        reworded >= 18,
        "repeats merged {reworded} of {reworded_total}\n{report}"
    );
}
