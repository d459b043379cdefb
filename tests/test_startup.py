"""The console script pauses the garbage collector while modules load (crm_xl.startup)."""

import gc

from crm_xl import startup
from crm_xl.cli import main


def test_pause_then_resume_freezes_what_is_alive_and_turns_collection_back_on():
    assert gc.isenabled()
    before = gc.get_freeze_count()
    try:
        startup.pause()
        assert not gc.isenabled()
        startup.resume()
        assert gc.isenabled()
        assert gc.get_freeze_count() > before
        startup.resume()  # a second resume changes nothing
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_collector_the_caller_turned_off_stays_off():
    gc.disable()
    try:
        startup.pause()
        startup.resume()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_main_in_a_long_lived_process_freezes_nothing(tmp_path):
    """Tests and Excel call main() in-process: the collector is never paused there and
    nothing is moved out of its reach."""
    csv = tmp_path / "orders.csv"
    csv.write_text("订单编号,客户ID,下单日期,订单金额\nA1,C1,2024-09-01,1200\nA2,C2,2024-09-15,300\n"
                   "A3,C1,2024-09-20,450\n", encoding="utf-8")
    before = gc.get_freeze_count()
    assert main(["report", str(tmp_path / "r.xlsx"), "--input", str(csv), "-q"]) == 0
    assert (tmp_path / "r.xlsx").exists()
    assert gc.isenabled()
    assert gc.get_freeze_count() == before
