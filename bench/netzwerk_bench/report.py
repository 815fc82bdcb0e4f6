"""One table per engine, the same figures as JSON, and the verdict against the targets."""

from __future__ import annotations

import json
from pathlib import Path

STATEMENT_LIMIT = 8
FEED_COLD_MS = 150
LIST_QUEUE_SECONDS = 1.0
DELIVERY_PER_SECOND = 300
CSV_IMPORT_SECONDS = 10.0
WORKER_MB = 200
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def judge(result: dict) -> None:
    """Add ratio to the bare route and met/missed to each figure with a target."""
    bare_rps = (result.get("bare") or {}).get("requests", 0) / max(
        (result.get("bare") or {}).get("seconds", 0), 1e-9
    )
    result["bare_rps"] = bare_rps
    for path in result.get("paths", []):
        if "rps" not in path:
            continue
        path["ratio"] = path["rps"] / bare_rps if bare_rps else None
        target = path.get("target")
        if not target or result["engine"] not in target["engines"]:
            continue
        if target.get("ratio") is not None:
            met = path["ratio"] is not None and path["ratio"] >= target["ratio"]
        else:
            met = path["rps"] >= target["rps"]
        if path["key"] == "register":
            met = met and not path.get("error_count") and not path.get("overbooked")
        path["met"] = met


def checks(result: dict) -> list[tuple[str, str, str, bool | None]]:
    """(what, measured, target, met) for the measurements besides the load."""
    rows = []
    statements = result.get("statements", {})
    labels = {p["key"]: p["label"] for p in result.get("paths", [])}
    for key, figures in statements.items():
        measured = f"{figures['small']} / {figures['full']}"
        if figures["status"] != 200:
            measured = f"Antwort {figures['status']}"
        met = figures["equal"] and figures["full"] <= STATEMENT_LIMIT and figures["status"] == 200
        rows.append(
            (f"Anweisungen: {labels.get(key, key)}", measured, f"gleich, ≤ {STATEMENT_LIMIT}", met)
        )
    cold = result.get("feed_cold_ms")
    rows.append(
        ("Kalender kalt erzeugt", _ms(cold), f"< {FEED_COLD_MS} ms",
         None if cold is None else cold < FEED_COLD_MS)
    )  # fmt: skip
    extras = result.get("extras", {})
    queued = extras.get("list_queue", {})
    if "missing" in queued:
        rows.append(
            ("Verteiler-Nachricht einreihen", f"fehlt ({queued['missing']})", "< 1 s", None)
        )
    elif queued:
        rows.append(
            (
                f"Verteiler-Nachricht an {queued['recipients']} einreihen",
                f"{queued['seconds']:.2f} s" + ("" if queued["ok"] else " (FEHLER)"),
                f"< {LIST_QUEUE_SECONDS:g} s",
                queued["ok"] and queued["seconds"] < LIST_QUEUE_SECONDS,
            )
        )
    delivery = extras.get("delivery", {})
    if delivery:
        rows.append(
            (
                f"Zustellung SMTP ({delivery['delivered']} Nachrichten)",
                f"{delivery['per_second']:.0f}/s" + ("" if delivery["ok"] else " (FEHLER)"),
                f"≥ {DELIVERY_PER_SECOND}/s",
                delivery["ok"] and delivery["per_second"] >= DELIVERY_PER_SECOND,
            )
        )
    imported = extras.get("csv_import", {})
    if imported:
        rows.append(
            (
                f"CSV-Import {imported['rows']} Mitglieder",
                f"{imported['seconds']:.1f} s" + ("" if imported["ok"] else " (FEHLER)"),
                f"< {CSV_IMPORT_SECONDS:g} s",
                imported["ok"] and imported["seconds"] < CSV_IMPORT_SECONDS,
            )
        )
    for key, label in (("memory_after_load_kb", "nach der Last"), ("memory_end_kb", "am Ende")):
        peak = result.get(key, {}).get("VmHWM")
        if peak:
            rows.append(
                (f"Worker-Speicher (Spitze) {label}", f"{peak / 1024:.0f} MB",
                 f"< {WORKER_MB} MB", peak / 1024 < WORKER_MB)
            )  # fmt: skip
    return rows


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


def _mark(met: bool | None) -> str:
    return {True: "erfüllt", False: "VERFEHLT", None: ""}[met]


def table(result: dict, settings_line: str) -> str:
    engine = ENGINE_NAMES.get(result["engine"], result["engine"])
    if "missing" in result:
        return f"\n{engine}: nicht gemessen ({result['missing']})\n"
    counts = result["data"]["full"]["counts"]
    size = ", ".join(f"{n:,} {label}".replace(",", ".") for label, n in counts.items())
    lines = [
        "",
        f"{engine} · Maßstab {result['data']['full']['scale']}: {size}",
        settings_line,
        "",
        f"{'Pfad':<30} {'Anfr./s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'× Hello':>8} {'Fehler':>7}  {'Ziel':<16} ",
    ]
    bare = result["bare"]
    lines.append(
        f"{'Hello (Flask, nackt)':<30} {result['bare_rps']:>9.0f} {bare['p50_ms']:>8.1f} "
        f"{bare['p95_ms']:>8.1f} {bare['p99_ms']:>8.1f} {1:>8.2f} {_errors(bare):>7}"
    )
    for path in result["paths"]:
        target = path.get("target", {}).get("describe", "")
        if "rps" not in path:
            reason = path.get("missing") or path.get("failed")
            status = "fehlt" if "missing" in path else "FEHLER"
            lines.append(f"{path['label']:<30} {status}: {reason}")
            continue
        extra = ""
        if path["method"] == "POST":
            extra = f"  {path['written']} geschrieben"
            if "overbooked" in path:
                extra += f", {path['overbooked']} überbucht"
        lines.append(
            f"{path['label']:<30} {path['rps']:>9.0f} {path['p50_ms']:>8.1f} "
            f"{path['p95_ms']:>8.1f} {path['p99_ms']:>8.1f} {path['ratio']:>8.2f} "
            f"{_errors(path):>7}  {target:<16} {_mark(path.get('met'))}{extra}"
        )
    lines += ["", f"{'Weitere Messungen':<44} {'gemessen':>18}  {'Ziel':<16}"]
    for what, measured, target, met in checks(result):
        lines.append(f"{what:<44} {measured:>18}  {target:<16} {_mark(met)}")
    return "\n".join(lines) + "\n"


def _errors(figures: dict) -> str:
    return str(sum(figures.get("errors", {}).values()))


def write_json(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
