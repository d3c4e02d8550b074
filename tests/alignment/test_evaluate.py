"""The beads format, coverage checks and the Vecalign measure (strict and lax P / R / F1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from alignment.evaluate import (
    BeadPair,
    Counts,
    Score,
    breakdown_by_type,
    check_coverage,
    evaluate_folder,
    format_beads,
    format_report,
    parse_beads,
    pooled,
    score_document,
    sentence_lines,
)


def beads(text: str) -> list[BeadPair]:
    """Beads written on one line, separated by spaces: ``"[0]:[0] [1,2]:[1]"``."""
    return parse_beads(text.replace(" ", "\n"))


# -- the beads format ----------------------------------------------------------------------------


def test_parse_reads_one_bead_a_line_with_empty_sides() -> None:
    assert parse_beads("[0]:[0]\n[1]:[1,2]\n[2]:[]\n[]:[3]\n") == [
        ((0,), (0,)),
        ((1,), (1, 2)),
        ((2,), ()),
        ((), (3,)),
    ]


def test_parse_tolerates_spaces_and_blank_lines_from_other_tools() -> None:
    assert parse_beads("\n[ 3 ] : [3, 4]\n\n  [7]:[ ]  \n") == [((3,), (3, 4)), ((7,), ())]


@pytest.mark.parametrize(
    "bad",
    ["[1]-[2]", "[1]:[2", "[a]:[1]", "[1,]:[2]", "[-1]:[0]", "[1]:[2]:[3]", "(1):(2)", "[1.5]:[2]"],
)
def test_parse_rejects_malformed_lines_naming_the_line(bad: str) -> None:
    with pytest.raises(ValueError, match=r"^line 3: expected a bead"):
        parse_beads(f"[0]:[0]\n[1]:[1]\n{bad}\n")


def test_format_writes_the_exact_gold_file_format() -> None:
    written = format_beads([((3,), (3, 4)), ((7,), ()), ((), (5,)), ((8, 9), (6,))])
    assert written == "[3]:[3,4]\n[7]:[]\n[]:[5]\n[8,9]:[6]\n"


def test_format_of_no_beads_is_empty() -> None:
    assert format_beads([]) == ""


def test_format_accepts_lists_as_an_aligner_may_return_them() -> None:
    assert format_beads([([0, 1], [0])]) == "[0,1]:[0]\n"  # type: ignore[list-item]


def test_format_and_parse_round_trip() -> None:
    original = [((0,), (0,)), ((1, 2), (1,)), ((3,), ()), ((), (2, 3))]
    assert parse_beads(format_beads(original)) == original


def test_gold_files_are_rewritten_byte_for_byte(shared_dir: Path) -> None:
    for path in sorted((shared_dir / "data/align-dev").glob("*/*.gold")):
        text = path.read_text(encoding="utf-8")
        assert format_beads(parse_beads(text)) == text, path.name


def test_sentence_lines_are_the_non_blank_lines() -> None:
    text = "Une phrase.\nUne autre.\n\n  \nNouveau paragraphe\u2028encore.\r\nFin.\n"
    assert sentence_lines(text) == [
        "Une phrase.",
        "Une autre.",
        "Nouveau paragraphe\u2028encore.",
        "Fin.",
    ]


# -- coverage ------------------------------------------------------------------------------------


def test_coverage_accepts_every_sentence_once_in_order() -> None:
    check_coverage(beads("[0]:[0] [1,2]:[1] [3]:[] []:[2]"), n_fr=4, n_en=3)


def test_coverage_accepts_an_empty_document() -> None:
    check_coverage([], n_fr=0, n_en=0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[0]:[0] [2]:[1] [3]:[2]", r"^bead 2 \[2\]:\[1\]: French sentence 1 is in no bead$"),
        ("[0]:[0] [3]:[1,2]", r"French sentences 1 to 2 are in no bead"),
        ("[0]:[0] [0]:[1] [1,2,3]:[2]", r"French sentence 0 is repeated or out of order"),
        ("[0,2]:[0] [1]:[1] [3]:[2]", r"French sentence 1 is in no bead"),
        ("[0]:[0] [1,2,3]:[1,2] [4]:[]", r"French sentence 4 does not exist \(French has 4"),
        ("[0]:[0] [1,2,3]:[1,5]", r"English sentence 5 does not exist"),
        ("[0]:[0] []:[] [1,2,3]:[1,2]", r"^bead 2 is empty on both sides$"),
        ("[0]:[0]", r"^French sentences 1 to 3 are in no bead \(French has 4 sentences\)$"),
        ("[0,1,2,3]:[0,1]", r"^English sentence 2 is in no bead"),
    ],
)
def test_coverage_rejects_what_is_not_a_partition(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_coverage(beads(text), n_fr=4, n_en=3)


# -- the measure ---------------------------------------------------------------------------------

GOLD = "[0]:[0] [1]:[1,2] [2]:[] []:[3] [3,4]:[4]"


def test_gold_scored_against_itself_is_perfect() -> None:
    score = pooled([score_document(beads(GOLD), beads(GOLD))])
    assert (score.strict_precision, score.strict_recall, score.strict_f1) == (1.0, 1.0, 1.0)
    assert (score.lax_precision, score.lax_recall, score.lax_f1) == (1.0, 1.0, 1.0)


def test_a_hand_checked_document() -> None:
    # Output beads, judged against GOLD:
    #   [0]:[0] strict · [1]:[1] lax (inside [1]:[1,2]) · []:[2] wrong (not a gold bead)
    #   [2]:[] strict (gold deletion) · [3]:[3] wrong (3 and 3 are in different gold beads)
    #   [4]:[4] lax (inside [3,4]:[4])
    # Two-sided gold beads, judged against the output:
    #   [0]:[0] strict · [1]:[1,2] lax · [3,4]:[4] lax
    test = beads("[0]:[0] [1]:[1] []:[2] [2]:[] [3]:[3] [4]:[4]")
    counts = score_document(beads(GOLD), test)
    assert counts == Counts(test=6, test_strict=2, test_lax=4, gold=3, gold_strict=1, gold_lax=3)
    score = pooled([counts])
    assert score.strict_precision == pytest.approx(2 / 6)
    assert score.strict_recall == pytest.approx(1 / 3)
    assert score.strict_f1 == pytest.approx(1 / 3)
    assert score.lax_precision == pytest.approx(4 / 6)
    assert score.lax_recall == 1.0
    assert score.lax_f1 == pytest.approx(0.8)


def test_a_one_sided_output_bead_is_lax_correct_only_if_the_gold_has_it_exactly() -> None:
    gold = beads("[0]:[] [1]:[0]")
    assert score_document(gold, beads("[0]:[]")).test_lax == 1
    # [1]:[] shares French sentence 1 with the gold bead [1]:[0], but has no English to share.
    assert score_document(gold, beads("[1]:[]")).test_lax == 0


def test_recall_leaves_one_sided_gold_beads_out() -> None:
    counts = score_document(beads("[0]:[] [1]:[0] []:[1]"), beads("[0,1]:[0,1]"))
    assert (counts.gold, counts.gold_strict, counts.gold_lax) == (1, 0, 1)


def test_precision_counts_one_sided_output_beads() -> None:
    counts = score_document(beads("[0]:[0]"), beads("[0]:[] []:[0]"))
    assert (counts.test, counts.test_strict, counts.test_lax) == (2, 0, 0)


def test_lax_needs_one_gold_bead_sharing_both_sides() -> None:
    # French 0 and English 1 are both covered by gold beads, but not by the same one.
    counts = score_document(beads("[0]:[0] [1]:[1]"), beads("[0]:[1]"))
    assert counts.test_lax == 0


def test_a_repeated_output_bead_is_credited_once_and_empty_beads_are_ignored() -> None:
    test = [((0,), (0,)), ((0,), (0,)), ((), ()), ((1,), (1,))]
    assert score_document(beads("[0]:[0] [1]:[1]"), test).test == 2


def test_pooling_sums_counts_before_dividing() -> None:
    perfect = score_document(beads("[0]:[0]"), beads("[0]:[0]"))
    wrong = score_document(beads("[0]:[0] [1]:[1] [2]:[2]"), beads("[0]:[1] [1]:[2] [2]:[0]"))
    score = pooled([perfect, wrong])
    assert score.strict_precision == pytest.approx(1 / 4)  # not the mean of 1 and 0
    assert score.counts == perfect + wrong


def test_nothing_to_divide_by_scores_zero() -> None:
    score = pooled([score_document(beads("[0]:[0]"), [])])
    assert (score.strict_precision, score.strict_recall, score.strict_f1) == (0.0, 0.0, 0.0)
    assert pooled([]) == Score.from_counts(Counts())


def test_breakdown_scores_each_bead_type_separately() -> None:
    test = beads("[0]:[0] [1]:[1] []:[2] [2]:[] [3]:[3] [4]:[4]")
    by_type = breakdown_by_type([(beads(GOLD), test)])
    assert list(by_type) == ["1-1", "0-1", "1-0", "1-2", "2-1"]
    assert by_type["1-1"].counts == Counts(
        test=4, test_strict=1, test_lax=3, gold=1, gold_strict=1, gold_lax=1
    )
    assert by_type["1-2"].counts == Counts(gold=1, gold_lax=1)  # the aligner made no 1-2 bead
    assert by_type["1-0"].strict_recall == 1.0  # the gold deletion was reproduced exactly
    assert by_type["0-1"].counts == Counts(test=1, gold=1)  # []:[2] is not the gold's []:[3]


def test_breakdown_pools_over_documents() -> None:
    pair = (beads("[0]:[0] [1]:[1]"), beads("[0]:[0] [1]:[1]"))
    assert breakdown_by_type([pair, pair])["1-1"].counts.gold == 4


# -- evaluating a folder -------------------------------------------------------------------------


def write_document(folder: Path, name: str, fr: str, en: str, gold: str) -> None:
    (folder / f"{name}.fr").write_text(fr, encoding="utf-8")
    (folder / f"{name}.en").write_text(en, encoding="utf-8")
    (folder / f"{name}.gold").write_text(gold, encoding="utf-8")


def one_to_one(fr: str, en: str) -> list[BeadPair]:
    """Pair sentence i with sentence i; leftovers get one-sided beads."""
    n_fr, n_en = len(sentence_lines(fr)), len(sentence_lines(en))
    shared = min(n_fr, n_en)
    return (
        [((i,), (i,)) for i in range(shared)]
        + [((i,), ()) for i in range(shared, n_fr)]
        + [((), (j,)) for j in range(shared, n_en)]
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_document(tmp_path, "b-easy", "Un.\nDeux.\n", "One.\nTwo.\n", "[0]:[0]\n[1]:[1]\n")
    write_document(
        tmp_path,
        "a-merged",
        "Un.\n\nDeux. Trois.\n",
        "One.\n\nTwo.\nThree.\n",
        "[0]:[0]\n[1]:[1,2]\n",
    )
    return tmp_path


def test_evaluate_folder_pools_the_documents_and_lists_the_worst_first(folder: Path) -> None:
    report = evaluate_folder(folder, one_to_one)
    assert [d.name for d in report.documents] == ["a-merged", "b-easy"]
    assert report.documents[1].score.strict_f1 == 1.0
    # Output: 2 + 3 beads, of which 2 + 1 are gold beads; gold: 2 + 2 two-sided, 2 + 1 found.
    assert report.score.counts == Counts(
        test=5, test_strict=3, test_lax=4, gold=4, gold_strict=3, gold_lax=4
    )
    assert report.by_type["1-2"].counts.gold == 1


def test_evaluate_folder_gives_the_aligner_the_raw_texts(folder: Path) -> None:
    seen: list[tuple[str, str]] = []

    def spy(fr: str, en: str) -> list[BeadPair]:
        seen.append((fr, en))
        return one_to_one(fr, en)

    evaluate_folder(folder, spy)
    assert seen[0] == ("Un.\n\nDeux. Trois.\n", "One.\n\nTwo.\nThree.\n")


def test_evaluate_folder_writes_the_output_in_the_beads_format(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "run"
    evaluate_folder(folder, one_to_one, out=out)
    assert (out / "a-merged.align").read_text(encoding="utf-8") == "[0]:[0]\n[1]:[1]\n[]:[2]\n"
    assert sorted(p.name for p in out.iterdir()) == ["a-merged.align", "b-easy.align"]


def test_evaluate_folder_reports_progress(folder: Path) -> None:
    calls: list[tuple[int, int]] = []
    evaluate_folder(folder, one_to_one, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]


def test_evaluate_folder_records_an_output_that_does_not_cover_the_document(folder: Path) -> None:
    report = evaluate_folder(folder, lambda fr, en: [((0,), (0,))])
    assert len(report.problems) == 2
    assert report.documents[0].problem is not None
    assert "in no bead" in report.problems[0]


def test_evaluate_folder_rejects_a_gold_that_does_not_cover_its_texts(folder: Path) -> None:
    (folder / "b-easy.gold").write_text("[0]:[0]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"b-easy\.gold: French sentence 1 is in no bead"):
        evaluate_folder(folder, one_to_one)


def test_evaluate_folder_rejects_a_malformed_gold_naming_file_and_line(folder: Path) -> None:
    (folder / "b-easy.gold").write_text("[0]:[0]\n[1]-[1]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"b-easy\.gold: line 2"):
        evaluate_folder(folder, one_to_one)


def test_evaluate_folder_needs_both_texts_of_each_gold(folder: Path) -> None:
    (folder / "b-easy.en").unlink()
    with pytest.raises(FileNotFoundError, match=r"b-easy\.en"):
        evaluate_folder(folder, one_to_one)


def test_evaluate_folder_refuses_a_folder_without_gold(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no NAME.gold"):
        evaluate_folder(tmp_path, one_to_one)


def test_the_report_text_gives_the_scores_types_worst_documents_and_times(folder: Path) -> None:
    text = format_report(evaluate_folder(folder, one_to_one), worst=1)
    assert "2 documents" in text
    assert "F1             0.667   0.889" in text
    assert "\n1-2 " in text
    assert "a-merged" in text and "b-easy" not in text.split("Worst")[1]
    assert "Time: aligner" in text


# -- on the shared development sets --------------------------------------------------------------


def gold_reader(folder: Path) -> Callable[[str, str], list[BeadPair]]:
    """An "aligner" that answers with the gold of each document, in the folder's order."""
    golds = iter(sorted(folder.glob("*.gold")))
    return lambda fr, en: parse_beads(next(golds).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["un", "transread"])
def test_every_development_gold_scores_perfect_against_itself(shared_dir: Path, name: str) -> None:
    folder = shared_dir / "data/align-dev" / name
    report = evaluate_folder(folder, gold_reader(folder))
    score = report.score
    assert (score.strict_f1, score.lax_f1, score.strict_precision, score.lax_recall) == (1, 1, 1, 1)
    assert report.problems == []


def test_a_diagonal_baseline_scores_low_but_not_zero_on_the_un_set(shared_dir: Path) -> None:
    report = evaluate_folder(shared_dir / "data/align-dev/un", one_to_one)
    assert 0.05 < report.score.strict_f1 < 0.5
    assert report.score.lax_f1 >= report.score.strict_f1
