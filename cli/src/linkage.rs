//! Whether an executable runs on every FC custom runtime: a Linux x86_64 ELF file with
//! no dynamic loader (a static build) does; a dynamically linked one needs the glibc it
//! was built against, which FC's older runtimes (Debian 9, 10) do not have.

use object::Endianness;
use object::elf::{EM_X86_64, FileHeader64};
use object::read::elf::{FileHeader as _, ProgramHeader as _};

/// How an executable is linked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Linkage {
    /// No dynamic loader: runs anywhere on Linux x86_64.
    Static,
    /// Started by this dynamic loader (e.g. `/lib64/ld-linux-x86-64.so.2`).
    Dynamic(String),
}

/// Why an executable cannot run on FC at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotForFc {
    /// Not a 64-bit ELF file (a macOS or Windows executable, a script).
    #[error("it is not a Linux executable (64-bit ELF)")]
    NotElf,
    /// An ELF file for another processor.
    #[error("it is built for another processor (ELF machine {0}), FC runs x86_64")]
    Machine(u16),
}

/// The linkage of the executable in `bytes`.
pub(crate) fn linkage(bytes: &[u8]) -> Result<Linkage, NotForFc> {
    let header = FileHeader64::<Endianness>::parse(bytes).map_err(|_| NotForFc::NotElf)?;
    let endian = header.endian().map_err(|_| NotForFc::NotElf)?;
    let machine = header.e_machine(endian);
    if machine != EM_X86_64 {
        return Err(NotForFc::Machine(machine));
    }
    let segments = header
        .program_headers(endian, bytes)
        .map_err(|_| NotForFc::NotElf)?;
    for segment in segments {
        if let Ok(Some(loader)) = segment.interpreter(endian, bytes) {
            return Ok(Linkage::Dynamic(
                String::from_utf8_lossy(loader).into_owned(),
            ));
        }
    }
    Ok(Linkage::Static)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_binary_is_the_build_s_linkage() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let expected_static = cfg!(target_env = "musl");
        assert_eq!(linkage(&me).unwrap() == Linkage::Static, expected_static);
    }

    #[test]
    fn a_system_program_names_its_loader() {
        // Debian's /bin/sh (dash) is dynamically linked.
        let sh = std::fs::read("/bin/sh").unwrap();
        match linkage(&sh).unwrap() {
            Linkage::Dynamic(loader) => assert!(loader.contains("ld-"), "{loader}"),
            Linkage::Static => panic!("/bin/sh is dynamically linked here"),
        }
    }

    #[test]
    fn other_files_are_not_executables_for_fc() {
        assert_eq!(linkage(b"#!/bin/sh\necho hi\n"), Err(NotForFc::NotElf));
        let mut arm = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        arm[18..20].copy_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
        assert_eq!(linkage(&arm), Err(NotForFc::Machine(183)));
    }
}
