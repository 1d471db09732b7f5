"""SysLogHandler against a real syslog daemon: Debian's rsyslog on loopback.

The same records go through the stdlib's and femtologging's SysLogHandler
over UDP, TCP and a unix socket; rsyslog parses each message (priority,
tag, text) and writes what it understood, which must be the same for both.
`.ci/run` installs rsyslog; where it is missing this test says so and skips.
"""

from __future__ import annotations

import logging
import logging.handlers
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import femtologging
import femtologging.handlers

RSYSLOGD = shutil.which("rsyslogd") or (
    "/usr/sbin/rsyslogd" if Path("/usr/sbin/rsyslogd").exists() else None
)

pytestmark = pytest.mark.skipif(
    RSYSLOGD is None, reason="rsyslogd is not installed here (.ci/run installs it for CI)"
)

CONFIG = """
global(workDirectory="{work}")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
template(name="parsed" type="string"
         string="%syslogfacility-text%.%syslogseverity-text%|%syslogtag%|%msg%\\n")
input(type="imudp" address="127.0.0.1" port="{udp}")
input(type="imtcp" address="127.0.0.1" port="{tcp}" AddtlFrameDelimiter="0")
input(type="imuxsock" Socket="{unix}" CreatePath="on")
*.* action(type="omfile" file="{out}" template="parsed")
"""


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def rsyslog(tmp_path: Path) -> Iterator[dict[str, Any]]:
    daemon_dir = tmp_path / "rsyslog"
    daemon_dir.mkdir()
    settings = {
        "work": str(daemon_dir),
        "udp": free_port(socket.SOCK_DGRAM),
        "tcp": free_port(socket.SOCK_STREAM),
        "unix": str(daemon_dir / "log.sock"),
        "out": str(daemon_dir / "received.log"),
    }
    config = daemon_dir / "rsyslog.conf"
    config.write_text(CONFIG.format(**settings))
    process = subprocess.Popen(
        [str(RSYSLOGD), "-n", "-f", str(config), "-i", str(daemon_dir / "pid")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", settings["tcp"]), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("rsyslogd did not start listening within 10 s")
        while not Path(settings["unix"]).exists():
            time.sleep(0.05)
        yield settings
    finally:
        process.terminate()
        process.wait(timeout=10)


def received(settings: dict[str, Any], count: int) -> list[str]:
    out = Path(settings["out"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = out.read_text().splitlines() if out.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    return out.read_text().splitlines() if out.exists() else []


def send(library: Any, handlers: Any, address: Any, socktype: Any, run: str) -> None:
    kwargs = {"address": address}
    if socktype is not None:
        kwargs["socktype"] = socktype
    handler = handlers.SysLogHandler(facility=handlers.SysLogHandler.LOG_LOCAL3, **kwargs)
    handler.ident = "app[42]: "
    handler.setFormatter(library.Formatter("%(levelname)s %(name)s %(message)s"))
    logger = library.getLogger(f"syslog.{run}")
    logger.propagate = False
    logger.setLevel(library.DEBUG)
    logger.addHandler(handler)
    logger.debug("debug from %s", run)
    logger.warning("warning from %s: ünïcode", run)
    logger.critical("critical from %s", run)
    logger.removeHandler(handler)
    handler.close()


@pytest.mark.parametrize("transport", ["udp", "tcp", "unix"])
def test_rsyslog_parses_both_libraries_alike(rsyslog: dict[str, Any], transport: str) -> None:
    if transport == "unix":
        address: Any = rsyslog["unix"]
        socktype = None
    else:
        address = ("127.0.0.1", rsyslog[transport])
        socktype = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    send(logging, logging.handlers, address, socktype, "stdlib")
    stdlib_lines = received(rsyslog, 3)
    send(femtologging, femtologging.handlers, address, socktype, "femto")
    all_lines = received(rsyslog, 6)
    femto_lines = all_lines[len(stdlib_lines) :]
    assert len(stdlib_lines) == 3, all_lines
    assert [line.replace("stdlib", "X") for line in stdlib_lines] == [
        line.replace("femto", "X") for line in femto_lines
    ]
    assert femto_lines[1].startswith("local3.warning|app[42]:|")
    assert "ünïcode" in femto_lines[1]
