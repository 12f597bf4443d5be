"""Every scenario file under ``scenarios/`` is a regression test by being there: pytest collects
each YAML file as one item that runs the scenario and passes when its expectations hold."""
from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and "scenarios" in file_path.parts:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):  # type: ignore[override]
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        from sim.scenario import load_scenario
        from sim.harness.simulate import simulate

        result = simulate(load_scenario(self.path))
        if not result.passed:
            s = result.summary
            lines = [c.line() for c in s.failed_expectations]
            lines += [f"breach {b.invariant} at {b.ts_ms}: {b.detail}" for b in s.breaches]
            raise ScenarioFailed("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, ScenarioFailed):
            return f"scenario {self.path.name} failed:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.path.name}"
