import json
import logging

from pipeline.logs import setup_logging


def test_json_lines_carry_the_case(capsys):
    setup_logging("json", "INFO")
    logging.getLogger("spt.engine").info("%s: kasubag agreed -> sekretaris", "SPT-2026-0007")
    logging.getLogger("spt.service").info("spt service running")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["case"] == "SPT-2026-0007" and lines[0]["level"] == "INFO"
    assert lines[0]["message"] == "SPT-2026-0007: kasubag agreed -> sekretaris"
    assert lines[1]["case"] is None


def test_text_lines_are_one_per_event(capsys):
    setup_logging("text", "INFO")
    logging.getLogger("spt.intake").warning("inbox: set aside %r: %s", "x.pdf", "rusak")
    (line,) = capsys.readouterr().err.splitlines()
    assert "WARNING" in line and "set aside 'x.pdf': rusak" in line
