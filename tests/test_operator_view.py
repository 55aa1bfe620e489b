"""What the operator reads: status with per-run figures in +07:00 (text and JSON), the
elapsed time in a run's summary, and one alert for a night without network."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from crawler.run.health import NETWORK
from tests.conftest import FAST, write_sources
from tests.localservers import Page, SiteServer, free_port


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_status_shows_each_runs_figures_in_local_time(tmp_path: Path,
                                                     portal: SiteServer) -> None:
    db = tmp_path / "p.db"
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "local", "name": "Local", "province": "Lào Cai",
         "url": f"http://127.0.0.1:{portal.port}/tin-tuc"},
        {"id": "dead", "name": "Dead", "province": "Huế",
         "url": f"http://127.0.0.1:{free_port()}/"}])
    code, out = _invoke("--db", str(db), "-q", *FAST, "run", "--no-notify", "--sources",
                        str(sources))
    assert code == 0, out
    first_line = out.splitlines()[0]
    assert " in " in first_line and first_line.rstrip().endswith("s")  # elapsed time
    code, text = _invoke("--db", str(db), "status")
    assert code == 0, text
    assert "+07:00" in text
    assert "3 new, 0 changed" in text
    assert "alerts: 2 queued, 0 sent, 0 failed" in text  # two DX articles of three
    assert "errors refused×1" in text and "failed: dead" in text
    code, raw = _invoke("--db", str(db), "status", "--json")
    data = json.loads(raw)
    run = data["runs"][0]
    assert run["new"] == 3 and run["alerts_queued"] == 2 and run["errors"] == {"refused": 1}
    assert run["started"].endswith("+07:00") and run["seconds"] is not None
    assert run["failed_sources"].keys() == {"dead"}
    assert {s["source"] for s in data["sources"]} == {"local", "dead"}
    assert next(s for s in data["sources"] if s["source"] == "local")["articles"] == 3


def test_an_offline_night_gives_one_alert_not_one_per_source(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    dead = [{"id": f"dead{i}", "name": f"Dead {i}", "province": "Huế",
             "url": f"http://127.0.0.1:{free_port()}/"} for i in range(4)]
    sources = write_sources(tmp_path / "s.toml", dead)
    for _ in range(4):  # past the per-source streak of 3
        code, out = _invoke("--db", str(db), "-q", *FAST, "run", "--no-notify", "--sources",
                            str(sources))
        assert code == 0, out
        assert "Traceback" not in out
    store = open_store(db)
    health = [a for a in store.all_unsent_alerts() if a["kind"] == "health"]
    assert [a["payload"]["source"] for a in health] == [NETWORK]
    assert "mạng không truy cập được" in health[0]["payload"]["detail"]
    assert all(store.health(d["id"]) is None or store.health(d["id"])["fail_streak"] == 0
               for d in dead)  # the sources are not blamed for the machine's network
    store.close()
    server = SiteServer({"/": Page("<html><body><p>ok</p></body></html>")}).start()
    try:
        back = write_sources(tmp_path / "back.toml", [
            dead[0], {"id": "up", "name": "Up", "province": "Huế",
                      "url": f"http://127.0.0.1:{server.port}/"}])
        code, out = _invoke("--db", str(db), "-q", *FAST, "run", "--no-notify", "--sources",
                            str(back))
    finally:
        server.stop()
    store = open_store(db)
    kinds = [(a["kind"], a["payload"]["source"]) for a in store.all_unsent_alerts()]
    store.close()
    assert ("recovered", NETWORK) in kinds
