//! The monitor's heap: a linked-list allocator over the RAM between the end
//! of the image and the end of the monitor's reserved region.

use linked_list_allocator::LockedHeap;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

/// # Safety
/// [start, start + size) must be RAM that nothing else uses, ever.
pub unsafe fn init(start: usize, size: usize) {
    // SAFETY: forwarded from the caller.
    unsafe { HEAP.lock().init(start as *mut u8, size) }
}
