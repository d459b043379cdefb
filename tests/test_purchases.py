"""What reading the order lines tells the user (crm_xl.core.purchases.IntakeSummary)."""


def test_intake_warnings_are_flagged_where_they_are_written():
    """The console shows warnings loudly (even with --quiet); which lines are warnings is
    declared by the summary, in both languages, not guessed from their first word."""
    from crm_xl.core.purchases import IntakeSummary

    quiet = IntakeSummary(rows=100, orders=95, purchase_lines=95, dropped={"lost": 5})
    assert [w for _, w in quiet.messages("zh")] == [False]
    loud = IntakeSummary(rows=100, orders=60, purchase_lines=60, dropped={"lost": 30, "open": 10},
                         unknown_statuses={"Pending": 3})
    for lang in ("zh", "en"):
        msgs = loud.messages(lang)
        assert [w for _, w in msgs] == [False, True, True]
        assert loud.lines(lang) == [t for t, _ in msgs]
    assert "40%" in loud.lines("en")[2]
