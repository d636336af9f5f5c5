"""Builds the Java launcher with Maven when its jars are missing or older than its sources."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from neo4j_local.filelock import locked

LAUNCHER_DIR = Path(__file__).resolve().parent / "launcher"
GDS_DIR = LAUNCHER_DIR / "gds"
TARGET = LAUNCHER_DIR / "target"
MAIN_CLASS = "fabricgql.launcher.Main"


class BuildError(RuntimeError):
    pass


@dataclass(frozen=True)
class Module:
    """One Maven project and the stamp that records its last successful build."""

    name: str
    project: Path
    stamp: Path
    jar: Path
    folders: tuple[Path, ...]  # copied dependencies; emptied before each build

    def sources(self) -> Iterator[Path]:
        yield self.project / "pom.xml"
        yield from (p for p in (self.project / "src").rglob("*") if p.is_file())

    def is_stale(self) -> bool:
        if not self.stamp.exists() or not all(p.exists() for p in (self.jar, *self.folders)):
            return True
        built = self.stamp.stat().st_mtime
        return any(p.stat().st_mtime > built for p in self.sources())


SERVER = Module(
    "launcher",
    LAUNCHER_DIR,
    TARGET / "launcher.stamp",
    TARGET / "neo4j-launcher.jar",
    (TARGET / "lib",),
)
GDS = Module(
    "GDS plugin",
    GDS_DIR,
    TARGET / "gds.stamp",
    TARGET / "gds" / "fabric-gql-gds-extension.jar",
    (TARGET / "gds", TARGET / "gds-plugins"),
)


def classpath(*, gds: bool) -> str:
    # Java expands a trailing `dir/*` to the jars in it; this keeps the command line short.
    parts = [TARGET / "neo4j-launcher.jar", TARGET / "lib" / "*"]
    if gds:
        parts.append(TARGET / "gds" / "*")
    return ":".join(str(p) for p in parts)


def gds_plugins_dir() -> Path:
    return TARGET / "gds-plugins"


def gds_available() -> bool:
    return not GDS.is_stale()


def ensure_built(*, want_gds: bool) -> None:
    """Builds what is stale. The launcher must build; the GDS plugin is optional, so its failure is
    reported and the products shard starts without it."""
    # Two `start`s (two shells, or the test suite beside a developer) must not run Maven at once.
    with locked(TARGET / ".build.lock"):
        if SERVER.is_stale():
            _maven(SERVER)
        if want_gds and GDS.is_stale():
            try:
                _maven(GDS)
            except BuildError as e:
                print(f"warning: {e}\nthe products shard starts without GDS")


def _maven(module: Module) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BuildError("Maven (`mvn`) is not on PATH; it builds the Neo4j launcher")
    print(f"building the {module.name} with Maven (the first build downloads its jars)...")
    # Jars of versions no longer in the pom would otherwise stay in the copied-dependency folders
    # and sit on the `dir/*` classpath beside their replacements.
    for folder in module.folders:
        if folder.is_dir():
            shutil.rmtree(folder)
    result = subprocess.run(
        [mvn, "-q", "-B", "package"],
        cwd=module.project,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise BuildError(f"`mvn package` failed for the {module.name} in {module.project}:\n{tail}")
    module.stamp.touch()
