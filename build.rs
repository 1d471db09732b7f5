//! Build-time settings: pyo3's `Py_3_X` cfg flags, so code can use C API that
//! exists only from some CPython version on (type watchers, 3.12+), and the
//! link order of the functions the import runs (tools/link_order.py says why).

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
    order_import_functions();
}

/// Hands tools/link_order.txt to the linker where the linker is rustc's own
/// lld: x86_64 Linux from Rust 1.90 on, unless a linker was chosen. GNU ld
/// knows no `--symbol-ordering-file`; elsewhere the default layout stays.
fn order_import_functions() {
    let order = Path::new("tools/link_order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rerun-if-env-changed=RUSTFLAGS");
    let default_lld = env::var("TARGET").as_deref() == Ok("x86_64-unknown-linux-gnu")
        && env::var_os("RUSTC_LINKER").is_none()
        && !env::var("CARGO_ENCODED_RUSTFLAGS")
            .unwrap_or_default()
            .contains("link")
        && rustc_minor_version().is_some_and(|minor| minor >= 90);
    if !default_lld || !order.is_file() {
        return;
    }
    let Ok(path) = order.canonicalize() else {
        return;
    };
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--symbol-ordering-file={}",
        path.display()
    );
    // A name the build no longer has is not an error: the file may lag.
    println!("cargo:rustc-cdylib-link-arg=-Wl,--no-warn-symbol-ordering");
}

/// The `Y` of the compiler's "rustc 1.Y.Z" version line.
fn rustc_minor_version() -> Option<u32> {
    let rustc = env::var_os("RUSTC")?;
    let output = Command::new(rustc).arg("--version").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.split_whitespace()
        .nth(1)?
        .split('.')
        .nth(1)?
        .parse()
        .ok()
}
