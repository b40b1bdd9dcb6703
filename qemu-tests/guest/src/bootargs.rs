//! YAMON-style boot arguments, as QEMU's Malta loader passes them:
//! a0 = argc, a1 = argv, a2 = envp (name, value, name, value, ..., NULL),
//! a3 = RAM size. The pointers are KSEG0 addresses (0x8xxxxxxx).

use core::ffi::CStr;

/// Real KSEG0 (0x80000000..0xA0000000) is physical memory; this kernel sees
/// the same memory through its own unmapped segment at 0x40000000, which is
/// cheaper under the monitor (no address-error emulation).
fn pointer_to_kernel(address: u32) -> Option<*const u8> {
    match address {
        0x8000_0000..=0x9FFF_FFFF => Some((0x4000_0000 | (address & 0x1FFF_FFFF)) as *const u8),
        0x4000_0000..=0x5FFF_FFFF => Some(address as *const u8),
        _ => None,
    }
}

/// Reads the `index`th pointer of a NULL-terminated pointer array.
fn pointer_at(array: *const u8, index: usize) -> u32 {
    // SAFETY: the loader's arrays are word-aligned and NULL-terminated;
    // callers stop at the first NULL.
    unsafe { (array as *const u32).add(index).read_volatile() }
}

fn string_at(address: u32) -> Option<&'static [u8]> {
    let pointer = pointer_to_kernel(address)?;
    // SAFETY: the loader's strings are NUL-terminated and stay untouched
    // (the page allocator never hands out the first 1 MiB).
    Some(unsafe { CStr::from_ptr(pointer as *const core::ffi::c_char) }.to_bytes())
}

/// The command line: argv[1..] (QEMU's `-append` text), empty if none.
/// Returns the arguments one by one.
pub fn arguments(argc: u32, argv: u32) -> impl Iterator<Item = &'static [u8]> {
    let array = pointer_to_kernel(argv);
    (1..argc.min(64) as usize).filter_map(move |index| string_at(pointer_at(array?, index)))
}

/// The environment variable `name`, if the loader passed it.
pub fn env(envp: u32, name: &[u8]) -> Option<&'static [u8]> {
    let array = pointer_to_kernel(envp)?;
    for pair in 0..64 {
        let name_pointer = pointer_at(array, 2 * pair);
        if name_pointer == 0 {
            break;
        }
        if string_at(name_pointer)? == name {
            return string_at(pointer_at(array, 2 * pair + 1));
        }
    }
    None
}

/// Assumed when the loader says nothing (Linux's Malta default too).
pub const DEFAULT_RAM_SIZE: u32 = 32 << 20;

/// The RAM size in bytes: `memsize` from the environment, else a3, else
/// `DEFAULT_RAM_SIZE`.
pub fn ram_size(envp: u32, a3: u32) -> u32 {
    match env(envp, b"memsize").and_then(parse_number) {
        Some(size) if size != 0 => size,
        _ if a3 != 0 => a3,
        _ => DEFAULT_RAM_SIZE,
    }
}

/// A decimal or 0x-prefixed hexadecimal number.
pub fn parse_number(text: &[u8]) -> Option<u32> {
    let (digits, radix) = match text {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        _ => (text, 10),
    };
    let text = core::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, radix).ok()
}
