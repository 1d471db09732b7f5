"""The extension loads and exposes the core types at the top level."""

import femtologging


def test_hello_greets() -> None:
    assert femtologging.hello() == "Hello from femtologging!"


def test_core_types_are_exported() -> None:
    for name in (
        "FemtoLevel",
        "FemtoLogger",
        "FemtoHandler",
        "FemtoStreamHandler",
        "FemtoFileHandler",
    ):
        assert getattr(femtologging, name).__module__ == "femtologging._femtologging_rs"


def test_package_ships_type_information() -> None:
    from importlib.resources import files

    package = files("femtologging")
    assert package.joinpath("py.typed").is_file()
    assert package.joinpath("_femtologging_rs.pyi").is_file()
