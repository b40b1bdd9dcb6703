//! The physical page allocator: a bump pointer over the RAM above the
//! kernel image, plus a free list threaded through freed frames.

use core::ptr::addr_of_mut;

use super::{kernel_to_physical, physical_to_kernel, KSEG0_ALIAS_SIZE, PAGE_SIZE};

struct FrameAllocator {
    /// Next never-used frame (physical address).
    bump: u32,
    /// End of usable RAM (physical, exclusive).
    end: u32,
    /// Physical address of the first freed frame, 0 if none; each freed
    /// frame's first word holds the next one.
    free_head: u32,
    free_count: u32,
    used_count: u32,
}

static mut FRAMES: FrameAllocator =
    FrameAllocator { bump: 0, end: 0, free_head: 0, free_count: 0, used_count: 0 };

fn allocator() -> &'static mut FrameAllocator {
    // SAFETY: single CPU; callers run with interrupts off or outside trap
    // context, and the trap handler allocates only with interrupts off.
    unsafe { &mut *addr_of_mut!(FRAMES) }
}

extern "C" {
    static __kernel_end: u8;
}

/// Hands the RAM between the kernel image and `ram_size` to the allocator.
pub fn init(ram_size: u32) {
    // SAFETY: a link-script symbol; only its address is used.
    let kernel_end = kernel_to_physical(unsafe { &__kernel_end });
    let allocator = allocator();
    allocator.bump = (kernel_end + PAGE_SIZE - 1) & !(PAGE_SIZE - 1);
    allocator.end = ram_size.min(KSEG0_ALIAS_SIZE) & !(PAGE_SIZE - 1);
}

/// A zeroed frame's physical address, or `None` when RAM is exhausted.
pub fn alloc_zeroed() -> Option<u32> {
    let allocator = allocator();
    let frame = if allocator.free_head != 0 {
        let frame = allocator.free_head;
        // SAFETY: a freed frame holds the next free frame's address.
        allocator.free_head = unsafe { (physical_to_kernel(frame) as *const u32).read() };
        allocator.free_count -= 1;
        frame
    } else if allocator.bump < allocator.end {
        let frame = allocator.bump;
        allocator.bump += PAGE_SIZE;
        frame
    } else {
        return None;
    };
    allocator.used_count += 1;
    // SAFETY: the frame is ours now.
    unsafe { core::ptr::write_bytes(physical_to_kernel(frame), 0, PAGE_SIZE as usize) };
    Some(frame)
}

/// Returns a frame from `alloc_zeroed` to the allocator.
pub fn free(frame: u32) {
    let allocator = allocator();
    // SAFETY: the caller gives the frame up; its first word links the list.
    unsafe { (physical_to_kernel(frame) as *mut u32).write(allocator.free_head) };
    allocator.free_head = frame;
    allocator.free_count += 1;
    allocator.used_count -= 1;
}

/// (frames in use, frames free: on the free list or never used).
pub fn usage() -> (u32, u32) {
    let allocator = allocator();
    let never_used = (allocator.end - allocator.bump) / PAGE_SIZE;
    (allocator.used_count, allocator.free_count + never_used)
}
