//! Address spaces: two-level page tables in the layout the refill handler
//! walks (see `trap::vectors`), one per process.
//!
//! - Root: one 4 KiB frame of 1024 kernel pointers, slot = va[31:22].
//! - Leaf: one 4 KiB frame of 1024 PTEs, index = va[21:12]; each PTE is the
//!   EntryLo value to load: PFN << 6 | C << 3 | D << 2 | V << 1 | G.
//!
//! Empty root slots point at one shared zeroed leaf, so every walk finds a
//! PTE; a zero PTE is invalid and its retry raises TLB Invalid.

use core::ptr::addr_of;

use super::{frames, kernel_to_physical, physical_to_kernel, PAGE_SHIFT};

pub const ENTRIES: usize = 1024;

/// EntryLo bits.
pub mod pte {
    pub const GLOBAL: u32 = 1 << 0;
    pub const VALID: u32 = 1 << 1;
    pub const DIRTY: u32 = 1 << 2;
    /// Cacheable, noncoherent, write-back.
    pub const CACHEABLE: u32 = 3 << 3;
    pub const PFN_SHIFT: u32 = 6;

    pub const fn new(physical: u32, flags: u32) -> u32 {
        ((physical >> super::PAGE_SHIFT) << PFN_SHIFT) | flags
    }

    pub const fn physical(entry: u32) -> u32 {
        (entry >> PFN_SHIFT) << super::PAGE_SHIFT
    }
}

#[repr(C, align(4096))]
struct Table([u32; ENTRIES]);

/// The leaf every empty root slot points at: all PTEs invalid.
static EMPTY_LEAF: Table = Table([0; ENTRIES]);

/// The root table the refill handler walks; read by the assembly.
#[no_mangle]
pub static mut current_page_root: u32 = 0;

fn empty_leaf() -> u32 {
    addr_of!(EMPTY_LEAF) as usize as u32
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    OutOfMemory,
    AlreadyMapped,
}

/// One address space: owns its root, its leaves and the frames it maps.
pub struct AddressSpace {
    root: u32, // physical address of the root table
}

impl AddressSpace {
    pub fn new() -> Option<Self> {
        let root = frames::alloc_zeroed()?;
        let space = AddressSpace { root };
        space.root_table().fill(empty_leaf());
        Some(space)
    }

    /// The root as the refill handler wants it (a kernel address).
    pub fn root_pointer(&self) -> u32 {
        physical_to_kernel(self.root) as usize as u32
    }

    fn root_table(&self) -> &mut [u32; ENTRIES] {
        // SAFETY: the root frame belongs to this space.
        unsafe { &mut *(physical_to_kernel(self.root) as *mut [u32; ENTRIES]) }
    }

    fn leaf(&self, va: u32) -> Option<&mut [u32; ENTRIES]> {
        let slot = self.root_table()[(va >> 22) as usize];
        if slot == empty_leaf() {
            None
        } else {
            // SAFETY: non-empty slots point at leaf frames this space owns.
            Some(unsafe { &mut *(slot as usize as *mut [u32; ENTRIES]) })
        }
    }

    fn leaf_or_new(&mut self, va: u32) -> Result<&mut [u32; ENTRIES], MapError> {
        let slot = (va >> 22) as usize;
        if self.root_table()[slot] == empty_leaf() {
            let leaf = frames::alloc_zeroed().ok_or(MapError::OutOfMemory)?;
            self.root_table()[slot] = physical_to_kernel(leaf) as usize as u32;
        }
        Ok(self.leaf(va).expect("leaf just installed"))
    }

    /// The PTE for `va` (0 if none).
    pub fn entry(&self, va: u32) -> u32 {
        self.leaf(va).map_or(0, |leaf| leaf[leaf_index(va)])
    }

    /// The even/odd PTE pair covering `va`, as a TLB entry holds them.
    pub fn entry_pair(&self, va: u32) -> (u32, u32) {
        let even = va & !(1 << PAGE_SHIFT);
        (self.entry(even), self.entry(even | (1 << PAGE_SHIFT)))
    }

    /// Maps the page at `va` to `physical` with PTE flags `flags`.
    pub fn map(&mut self, va: u32, physical: u32, flags: u32) -> Result<(), MapError> {
        let leaf = self.leaf_or_new(va)?;
        let index = leaf_index(va);
        if leaf[index] != 0 {
            return Err(MapError::AlreadyMapped);
        }
        leaf[index] = pte::new(physical, flags);
        Ok(())
    }

    /// Maps a fresh zeroed frame at `va`; returns its physical address.
    pub fn map_new(&mut self, va: u32, flags: u32) -> Result<u32, MapError> {
        let frame = frames::alloc_zeroed().ok_or(MapError::OutOfMemory)?;
        match self.map(va, frame, flags) {
            Ok(()) => Ok(frame),
            Err(error) => {
                frames::free(frame);
                Err(error)
            }
        }
    }

    /// The kernel address of user address `va`, if mapped (and writable
    /// when `write` is asked for).
    pub fn kernel_address(&self, va: u32, write: bool) -> Option<*mut u8> {
        let entry = self.entry(va);
        if entry & pte::VALID == 0 || (write && entry & pte::DIRTY == 0) {
            return None;
        }
        let offset = va & ((1 << PAGE_SHIFT) - 1);
        Some(physical_to_kernel(pte::physical(entry) + offset))
    }

    /// Frees every mapped frame, every leaf and the root.
    pub fn destroy(self) {
        for slot in 0..ENTRIES {
            let leaf_pointer = self.root_table()[slot];
            if leaf_pointer == empty_leaf() {
                continue;
            }
            // SAFETY: a leaf this space owns.
            let leaf = unsafe { &*(leaf_pointer as usize as *const [u32; ENTRIES]) };
            for &entry in leaf.iter().filter(|&&entry| entry & pte::VALID != 0) {
                frames::free(pte::physical(entry));
            }
            frames::free(kernel_to_physical(leaf_pointer as usize as *const u8));
        }
        frames::free(self.root);
    }
}

fn leaf_index(va: u32) -> usize {
    ((va >> PAGE_SHIFT) as usize) % ENTRIES
}

/// Makes `root` the table the refill handler walks.
pub fn activate(root: u32) {
    // SAFETY: a word store the refill handler reads; single CPU.
    unsafe { core::ptr::write_volatile(core::ptr::addr_of_mut!(current_page_root), root) };
}

/// The shared empty root: kernel-only contexts (the shell) use it, so a
/// stray user-address access faults instead of walking garbage.
pub fn empty_root() -> u32 {
    addr_of!(EMPTY_ROOT) as usize as u32
}

/// A root whose every slot points at the empty leaf (pointer-sized slots).
#[repr(C, align(4096))]
struct EmptyRoot([&'static Table; ENTRIES]);

static EMPTY_ROOT: EmptyRoot = EmptyRoot([&EMPTY_LEAF; ENTRIES]);
