"""listen() / stopListening(), differentially (see test_config_harness.py):
a configuration sent over a socket, as JSON (dictConfig) or ini text
(fileConfig), optionally checked by `verify`, takes effect the same way
under femtologging as under the stdlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import test_config_harness as harness


def listening(logging: Any, config: Any, tmp: str) -> Any:
    import json
    import socket
    import struct

    def send(text: str, verify: Any = None) -> bool:
        thread = config.listen(0, verify)
        thread.start()
        thread.ready.wait()
        thread.ready.clear()
        data = text.encode("utf-8")
        with socket.create_connection(("localhost", thread.port)) as connection:
            connection.sendall(struct.pack(">L", len(data)) + data)
        handled = thread.ready.wait(60)
        config.stopListening()
        thread.join()
        return handled

    as_dict = {
        "version": 1,
        "formatters": {"f": {"format": "dict %(levelname)s %(name)s %(message)s"}},
        "handlers": {
            "h": {"class": "logging.StreamHandler", "formatter": "f", "stream": "ext://sys.stdout"}
        },
        "loggers": {"compiler.parser": {"level": "DEBUG", "handlers": ["h"]}},
    }
    as_ini = """
[loggers]
keys=root,parser

[handlers]
keys=hand1

[formatters]
keys=form1

[logger_root]
level=WARNING
handlers=

[logger_parser]
level=DEBUG
handlers=hand1
propagate=1
qualname=compiler.parser

[handler_hand1]
class=StreamHandler
level=NOTSET
formatter=form1
args=(sys.stdout,)

[formatter_form1]
format=ini %(levelname)s ++ %(message)s
datefmt=
"""
    parser = logging.getLogger("compiler.parser")
    handled = [send(json.dumps(as_dict))]
    parser.debug("after the JSON configuration")
    handled.append(send(as_ini))
    parser.info("after the ini configuration")
    # A verify callable that rejects: the configuration is not applied.
    handled.append(send(json.dumps(as_dict), verify=lambda data: None))
    parser.info("still the ini configuration")
    # One that transforms: the sender reversed the bytes.
    handled.append(send(json.dumps(as_dict)[::-1], verify=lambda data: data[::-1]))
    parser.info("the JSON configuration again")
    return handled


def test_configurations_received_over_a_socket(tmp_path: Path) -> None:
    stdlib, femto = harness.compare(listening, tmp_path)
    assert femto.stdout == (
        "dict DEBUG compiler.parser after the JSON configuration\n"
        "ini INFO ++ after the ini configuration\n"
        "ini INFO ++ still the ini configuration\n"
        "dict INFO compiler.parser the JSON configuration again\n"
    )
    assert femto.value == [True, True, True, True]


def bad_configuration(logging: Any, config: Any, tmp: str) -> Any:
    import socket
    import struct

    thread = config.listen(0)
    thread.start()
    thread.ready.wait()
    thread.ready.clear()
    data = b"[loggers]\nkeys=nothing-else\n"
    with socket.create_connection(("localhost", thread.port)) as connection:
        connection.sendall(struct.pack(">L", len(data)) + data)
    thread.ready.wait(60)
    config.stopListening()
    thread.join()
    logging.getLogger("x").warning("the listener thread survived")
    return thread.is_alive()


def test_a_bad_configuration_is_reported_and_ignored(tmp_path: Path) -> None:
    stdlib = harness.run(bad_configuration, "stdlib", tmp_path).check()
    femto = harness.run(bad_configuration, "femtologging", tmp_path).check()
    assert femto.value is stdlib.value is False
    assert "Traceback" in femto.stderr and "Traceback" in stdlib.stderr
    # The same exception type, femtologging's message naming the section.
    assert stdlib.stderr.splitlines()[-2] == "KeyError: 'formatters'"
    assert femto.stderr.splitlines()[-2].startswith("KeyError: 'missing section [formatters]")
    assert femto.stderr.endswith("the listener thread survived\n")
