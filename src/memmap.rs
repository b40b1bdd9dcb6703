//! How physical RAM is split between the monitor and the guest.
//!
//! The monitor keeps [0, monitor_end): the loader's area below the image,
//! the image, then its heap. The guest's RAM window is [monitor_end, ram_end),
//! which the heap never reaches, so no guest mapping can alias monitor memory.

use core::fmt;

use crate::mmu::layout::PAGE_SIZE;

/// RAM above this is not reachable through KSEG0/KSEG1 (512 MiB), and Malta
/// keeps only 256 MiB low; both boards' low RAM is the monitor's world.
pub const MAX_LOW_RAM: u64 = 256 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryMap {
    pub ram_end: u64,
    pub image_start: u64,
    pub image_end: u64,
    pub heap_start: u64,
    pub heap_end: u64,
    pub guest_start: u64,
    pub guest_end: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryMapError {
    /// The monitor's own region does not fit in RAM with room for a guest.
    RamTooSmall { ram_bytes: u64, monitor_bytes: u64 },
    /// The image runs past the monitor's region.
    ImageTooLarge { image_end: u64, monitor_bytes: u64 },
}

impl fmt::Display for MemoryMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MemoryMapError::RamTooSmall { ram_bytes, monitor_bytes } => write!(
                f,
                "RAM of {} MiB leaves no guest window above the monitor's {} MiB",
                ram_bytes >> 20,
                monitor_bytes >> 20
            ),
            MemoryMapError::ImageTooLarge { image_end, monitor_bytes } => write!(
                f,
                "image ends at {image_end:#x}, past the monitor's {} MiB region",
                monitor_bytes >> 20
            ),
        }
    }
}

const fn page_up(x: u64) -> u64 {
    (x + PAGE_SIZE as u64 - 1) & !(PAGE_SIZE as u64 - 1)
}

impl MemoryMap {
    /// `image_*` are physical addresses of the loaded monitor image.
    pub fn new(
        ram_bytes: u64,
        monitor_bytes: u64,
        image_start: u64,
        image_end: u64,
    ) -> Result<Self, MemoryMapError> {
        let ram_end = ram_bytes.min(MAX_LOW_RAM);
        if ram_end <= monitor_bytes {
            return Err(MemoryMapError::RamTooSmall { ram_bytes, monitor_bytes });
        }
        let heap_start = page_up(image_end);
        if heap_start >= monitor_bytes {
            return Err(MemoryMapError::ImageTooLarge { image_end, monitor_bytes });
        }
        Ok(MemoryMap {
            ram_end,
            image_start,
            image_end,
            heap_start,
            heap_end: monitor_bytes,
            guest_start: monitor_bytes,
            guest_end: ram_end,
        })
    }

    /// Starts the heap above `[_, end)`, loader data the monitor reads after
    /// the heap is up (Boston's device tree, which QEMU puts right after the
    /// image); data elsewhere is left alone.
    pub fn keeping_loader_data(mut self, end: u64) -> Result<Self, MemoryMapError> {
        if end <= self.heap_start || end > self.heap_end {
            return Ok(self);
        }
        self.heap_start = page_up(end);
        if self.heap_start >= self.heap_end {
            return Err(MemoryMapError::ImageTooLarge { image_end: end, monitor_bytes: self.heap_end });
        }
        Ok(self)
    }

    pub fn heap_bytes(&self) -> u64 {
        self.heap_end - self.heap_start
    }

    pub fn guest_bytes(&self) -> u64 {
        self.guest_end - self.guest_start
    }
}

impl fmt::Display for MemoryMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RAM {} MiB; image {:#010x}-{:#010x}; heap {:#010x}-{:#010x} ({} KiB); guest window {:#010x}-{:#010x} ({} MiB)",
            self.ram_end >> 20,
            self.image_start,
            self.image_end,
            self.heap_start,
            self.heap_end,
            self.heap_bytes() >> 10,
            self.guest_start,
            self.guest_end,
            self.guest_bytes() >> 20
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_data_after_the_image_is_kept_out_of_the_heap() {
        // QEMU's Boston puts the device tree at the image's end rounded up to 64 KiB.
        let map = MemoryMap::new(256 << 20, 32 << 20, 0x10_0000, 0x15_0000).unwrap();
        let kept = map.keeping_loader_data(0x15_0000 + 0x1234).unwrap();
        assert_eq!(kept.heap_start, 0x15_2000);
        assert_eq!(kept.heap_end, 32 << 20);
        // Below the heap, or in the guest window, changes nothing.
        assert_eq!(map.keeping_loader_data(0x2000).unwrap(), map);
        assert_eq!(map.keeping_loader_data(64 << 20).unwrap(), map);
        assert!(map.keeping_loader_data(32 << 20).is_err());
    }

    #[test]
    fn heap_follows_the_image_and_stops_where_the_guest_window_starts() {
        let map = MemoryMap::new(256 << 20, 32 << 20, 0x10_0000, 0x12_3456).unwrap();
        assert_eq!(map.heap_start, 0x12_4000);
        assert_eq!(map.heap_end, map.guest_start);
        assert_eq!(map.guest_start, 32 << 20);
        assert_eq!(map.guest_bytes(), 224 << 20);
    }

    #[test]
    fn ram_beyond_the_low_256_mib_is_not_used() {
        let map = MemoryMap::new(1 << 30, 32 << 20, 0x10_0000, 0x20_0000).unwrap();
        assert_eq!(map.guest_end, 256 << 20);
    }

    #[test]
    fn too_little_ram_or_too_large_an_image_is_refused() {
        assert_eq!(
            MemoryMap::new(32 << 20, 32 << 20, 0x10_0000, 0x20_0000),
            Err(MemoryMapError::RamTooSmall { ram_bytes: 32 << 20, monitor_bytes: 32 << 20 })
        );
        assert!(matches!(
            MemoryMap::new(256 << 20, 2 << 20, 0x10_0000, 0x20_0000),
            Err(MemoryMapError::ImageTooLarge { .. })
        ));
    }
}
