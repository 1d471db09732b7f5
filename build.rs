//! Build-time settings: pyo3's `Py_3_X` cfg flags, so code can use C API that
//! exists only from some CPython version on (type watchers, 3.12+), and the
//! link order of the functions the import runs (tools/link_order.py says why),
//! and, on glibc Linux, an unwinder linked in rather than `libgcc_s.so.1`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    pyo3_build_config::use_pyo3_cfgs();
    order_import_functions();
    link_unwinder_statically();
}

/// Rust's standard library asks the linker for `-lgcc_s` on glibc Linux, for
/// the unwinder panics use. CPython does not load that library itself, so
/// `import femtologging` had to find, map and relocate it: about 130 µs of
/// the import's 3 ms budget here (docs/performance.md, "The import"). A
/// linker script of that name, found first, hands the linker the static
/// `libgcc_eh.a` instead: the same unwinder, with hidden symbols, inside the
/// extension. Nothing else in the process calls it; glibc's own unwinds (a
/// thread's `pthread_exit`) still load `libgcc_s.so.1` as they always did.
/// Where the C compiler has no `libgcc_eh.a`, or when cross-compiling, the
/// default link stays.
fn link_unwinder_statically() {
    println!("cargo:rerun-if-env-changed=CC");
    let target_is_host = env::var("TARGET").ok() == env::var("HOST").ok();
    let glibc_linux = env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux")
        && env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    if !target_is_host || !glibc_linux {
        return;
    }
    let Some(archive) = compiler_file("libgcc_eh.a") else {
        return;
    };
    let Some(out_dir) = env::var_os("OUT_DIR") else {
        return;
    };
    let folder = PathBuf::from(out_dir).join("static_unwinder");
    let script = format!("INPUT(\"{}\")\n", archive.display());
    if fs::create_dir_all(&folder).is_err()
        || fs::write(folder.join("libgcc_s.so"), script).is_err()
    {
        return;
    }
    println!("cargo:rustc-link-search=native={}", folder.display());
}

/// Where the C compiler (the linker driver rustc calls) keeps `name`, if it
/// has it: `-print-file-name` echoes the bare name back when it does not.
fn compiler_file(name: &str) -> Option<PathBuf> {
    let compiler = env::var_os("CC").unwrap_or_else(|| "cc".into());
    let output = Command::new(compiler)
        .arg(format!("-print-file-name={name}"))
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let path = PathBuf::from(text.trim());
    (path.is_absolute() && path.is_file()).then_some(path)
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
