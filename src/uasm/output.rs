//! Placing instruction words in memory in the CPU's byte order.

use alloc::vec::Vec;

/// Byte order of the CPU that will fetch the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endian {
    Big,
    Little,
}

impl Endian {
    /// The byte order this code is compiled for.
    pub const fn native() -> Self {
        if cfg!(target_endian = "big") {
            Endian::Big
        } else {
            Endian::Little
        }
    }

    pub const fn word_bytes(self, word: u32) -> [u8; 4] {
        match self {
            Endian::Big => word.to_be_bytes(),
            Endian::Little => word.to_le_bytes(),
        }
    }

    pub const fn read_word(self, bytes: [u8; 4]) -> u32 {
        match self {
            Endian::Big => u32::from_be_bytes(bytes),
            Endian::Little => u32::from_le_bytes(bytes),
        }
    }
}

/// The destination cannot hold the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall {
    pub needed: usize,
    pub available: usize,
}

/// Writes `words` to the start of `out` in `endian` order; returns the bytes written.
pub fn write_words(words: &[u32], endian: Endian, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
    let needed = words.len() * 4;
    if out.len() < needed {
        return Err(BufferTooSmall { needed, available: out.len() });
    }
    for (word, chunk) in words.iter().zip(out.chunks_exact_mut(4)) {
        chunk.copy_from_slice(&endian.word_bytes(*word));
    }
    Ok(needed)
}

/// The bytes of `words` in `endian` order.
pub fn words_to_bytes(words: &[u32], endian: Endian) -> Vec<u8> {
    words.iter().flat_map(|word| endian.word_bytes(*word)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_puts_the_opcode_byte_first() {
        // `eret` is 0x42000018 (MIPS32 vol. II); a big-endian CPU fetches 0x42 first.
        let mut buffer = [0u8; 8];
        assert_eq!(write_words(&[0x4200_0018, 0x0000_00c0], Endian::Big, &mut buffer), Ok(8));
        assert_eq!(buffer, [0x42, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0xc0]);
        assert_eq!(words_to_bytes(&[0x4200_0018], Endian::Little), [0x18, 0x00, 0x00, 0x42]);
    }

    #[test]
    fn too_small_a_buffer_is_refused_untouched() {
        let mut buffer = [0xaau8; 7];
        assert_eq!(
            write_words(&[1, 2], Endian::Big, &mut buffer),
            Err(BufferTooSmall { needed: 8, available: 7 })
        );
        assert_eq!(buffer, [0xaa; 7]);
    }
}
