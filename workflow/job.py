"""`workflow run`: the main job in one call: extract, build, bundle, and the status dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.extract import ExtractReport, extract
from workflow.fsio import write_atomic
from workflow.lock import writes_project
from workflow.publish import BuildReport, BundleReport, build, bundle
from workflow.report import StatusReport, status, status_html
from workflow.settings import Settings


@dataclass(frozen=True, slots=True)
class JobReport:
    extracted: ExtractReport
    built: BuildReport
    bundled: BundleReport
    status: StatusReport
    dashboard: str


def write_dashboard(settings: Settings, report: StatusReport) -> str:
    """output/status.html, written only when its content changed."""
    path = settings.root / "output" / "status.html"
    write_atomic(path, status_html(report, f"{settings.name}: translation status").encode("utf-8"))
    return path.relative_to(settings.root).as_posix()


@writes_project
def run_job(settings: Settings) -> JobReport:
    """Everything a publisher needs from the current sources and catalogs."""
    extracted = extract(settings)
    built = build(settings)
    bundled = bundle(settings)
    report = status(settings)
    return JobReport(extracted, built, bundled, report, write_dashboard(settings, report))
