//! The built-in user programs: position-independent MIPS32 assembly in one
//! image that a process gets copied to `USER_CODE` (0x00400000) in kuseg.
//!
//! The code uses only PC-relative branches (`bal`, `b`) and finds its
//! strings through `bal`, so it runs wherever it is copied. Syscalls follow
//! the kernel's ABI (see `syscall.rs`): v0 = number, a0..a2 = arguments,
//! v0 = result, every other register preserved.

// t3 = a0 % t2, a0 = a0 / t2 (unsigned). Release 6 removed HI/LO and gave
// DIVU/MODU a destination register instead.
#[cfg(not(target_arch = "mips32r6"))]
macro_rules! divide_a0_by_t2 {
    () => {
        "divu $zero, $a0, $t2\n mfhi $t3\n mflo $a0"
    };
}
#[cfg(target_arch = "mips32r6")]
macro_rules! divide_a0_by_t2 {
    () => {
        "modu $t3, $a0, $t2\n divu $a0, $a0, $t2"
    };
}

core::arch::global_asm!(
    r#"
    .section .rodata.user_image, "a"
    .set push
    .set noreorder
    .balign 4
    .globl user_image_start
    .globl user_image_end
user_image_start:

# ---- library (o32: a0..a3 in, v0 out, t* clobbered, s* kept) ----

u_write:                            # write(a0 = buffer, a1 = length) to fd 1
    move    $a2, $a1
    move    $a1, $a0
    addiu   $a0, $zero, 1
    addiu   $v0, $zero, 1
    syscall
    jr      $ra
    nop

u_exit:                             # exit(a0 = code)
    addiu   $v0, $zero, 2
    syscall
1:  b       1b
    nop

u_yield:
    addiu   $v0, $zero, 3
    syscall
    jr      $ra
    nop

u_getpid:
    addiu   $v0, $zero, 4
    syscall
    jr      $ra
    nop

u_print_dec:                        # a0 = unsigned value
    addiu   $sp, $sp, -32
    sw      $ra, 28($sp)
    addiu   $t0, $sp, 24            # digits go backwards from here
    move    $t1, $t0
    addiu   $t2, $zero, 10
1:
"#,
    divide_a0_by_t2!(),
    r#"
    addiu   $t3, $t3, 48
    addiu   $t1, $t1, -1
    bnez    $a0, 1b
    sb      $t3, 0($t1)
    move    $a0, $t1
    bal     u_write
    subu    $a1, $t0, $t1
    lw      $ra, 28($sp)
    jr      $ra
    addiu   $sp, $sp, 32

u_print_hex:                        # a0 = value, printed as 0x%08x
    addiu   $sp, $sp, -32
    sw      $ra, 28($sp)
    addiu   $t1, $sp, 16
    addiu   $t0, $zero, 0x30
    sb      $t0, 0($t1)
    addiu   $t0, $zero, 0x78
    sb      $t0, 1($t1)
    addiu   $t2, $zero, 8
    addiu   $t3, $t1, 2
1:  srl     $t4, $a0, 28
    sll     $a0, $a0, 4
    sltiu   $t5, $t4, 10
    bnez    $t5, 2f
    addiu   $t4, $t4, 48            # (delay slot) '0' + digit
    addiu   $t4, $t4, 39            # 'a' - '0' - 10
2:  sb      $t4, 0($t3)
    addiu   $t2, $t2, -1
    bnez    $t2, 1b
    addiu   $t3, $t3, 1
    move    $a0, $t1
    bal     u_write
    addiu   $a1, $zero, 10
    lw      $ra, 28($sp)
    jr      $ra
    addiu   $sp, $sp, 32

u_newline:
    addiu   $sp, $sp, -24
    sw      $ra, 20($sp)
    addiu   $t0, $zero, 10
    sb      $t0, 16($sp)
    addiu   $a0, $sp, 16
    bal     u_write
    addiu   $a1, $zero, 1
    lw      $ra, 20($sp)
    jr      $ra
    addiu   $sp, $sp, 24

# ---- sieve: the number of primes below 10000, flags in the heap ----
    .globl user_sieve
user_sieve:
    lui     $s0, 0x1000             # flags[n] = 1: n is composite
    addiu   $s1, $zero, 10000
    addiu   $s2, $zero, 2
    move    $s3, $zero              # primes found
1:  addu    $t0, $s0, $s2
    lbu     $t1, 0($t0)
    bnez    $t1, 3f
    nop
    addiu   $s3, $s3, 1
    mul     $t2, $s2, $s2
    addiu   $t4, $zero, 1
2:  sltu    $t3, $t2, $s1
    beqz    $t3, 3f
    addu    $t0, $s0, $t2           # (delay slot)
    sb      $t4, 0($t0)
    b       2b
    addu    $t2, $t2, $s2
3:  addiu   $s2, $s2, 1
    bne     $s2, $s1, 1b
    nop
    bal     4f
    nop
4:  addiu   $a0, $ra, sieve_text - 4b
    bal     u_write
    addiu   $a1, $zero, sieve_text_end - sieve_text
    bal     u_print_dec
    move    $a0, $s3
    bal     u_newline
    nop
    bal     u_exit
    move    $a0, $zero
sieve_text:
    .ascii  "primes below 10000: "
sieve_text_end:
    .balign 4

# ---- memsum: fill 8 heap pages with i * 0x9e3779b9, sum them back ----
    .globl user_memsum
user_memsum:
    lui     $s0, 0x1000
    lui     $s1, 0x9e37
    ori     $s1, $s1, 0x79b9
    move    $s2, $zero
    addiu   $s3, $zero, 8192        # words in 8 pages
1:  mul     $t0, $s2, $s1
    sll     $t1, $s2, 2
    addu    $t1, $t1, $s0
    sw      $t0, 0($t1)
    addiu   $s2, $s2, 1
    bne     $s2, $s3, 1b
    nop
    move    $s2, $zero
    move    $s4, $zero
2:  sll     $t1, $s2, 2
    addu    $t1, $t1, $s0
    lw      $t0, 0($t1)
    addiu   $s2, $s2, 1
    bne     $s2, $s3, 2b
    addu    $s4, $s4, $t0           # (delay slot)
    bal     3f
    nop
3:  addiu   $a0, $ra, memsum_text - 3b
    bal     u_write
    addiu   $a1, $zero, memsum_text_end - memsum_text
    bal     u_print_hex
    move    $a0, $s4
    bal     u_newline
    nop
    bal     u_exit
    move    $a0, $zero
memsum_text:
    .ascii  "memory checksum over 8 pages: "
memsum_text_end:
    .balign 4

# ---- hello: greets three times, yielding in between ----
    .globl user_hello
user_hello:
    addiu   $s0, $zero, 3
1:  bal     2f
    nop
2:  addiu   $a0, $ra, hello_text - 2b
    bal     u_write
    addiu   $a1, $zero, hello_text_end - hello_text
    bal     u_getpid
    nop
    bal     u_print_dec
    move    $a0, $v0
    bal     u_newline
    nop
    bal     u_yield
    nop
    addiu   $s0, $s0, -1
    bnez    $s0, 1b
    nop
    bal     u_exit
    move    $a0, $zero
hello_text:
    .ascii  "hello from pid "
hello_text_end:
    .balign 4

# ---- spin: computes forever (preempted by the timer; end it with kill) ----
    .globl user_spin
user_spin:
    move    $t0, $zero
1:  b       1b
    addiu   $t0, $t0, 1

# ---- kseg: a user access to the kernel segment (must be killed) ----
    .globl user_kseg
user_kseg:
    lui     $t0, 0x4000
    lw      $t1, 0($t0)
    bal     u_exit
    move    $a0, $zero

    .globl user_sseg_read
user_sseg_read:                     # exit with the first word of the process's sseg page
    lui     $t0, 0x6000
    lw      $a0, 0x1000($t0)
    bal     u_exit
    nop

    .globl user_sseg
user_sseg:                          # 0x60000000: sseg in supervisor mode (guest TLB), AdEL in user mode
    lui     $t0, 0x6000
    lw      $t1, 0($t0)
    bal     u_exit
    move    $a0, $zero

# ---- small probes for the self-tests ----
    .globl user_cop0
user_cop0:                          # MFC0 from user mode: Coprocessor Unusable
    mfc0    $t0, $12
    bal     u_exit
    move    $a0, $zero

    .globl user_break
user_break:
    break
    bal     u_exit
    move    $a0, $zero

    .globl user_rdhwr
user_rdhwr:                         # RDHWR CC: RI unless HWREna.CC
    rdhwr   $t0, $2
    bal     u_exit
    move    $a0, $zero

    .globl user_rdhwr_ulr
user_rdhwr_ulr:                     # exit(UserLocal): RI unless HWREna.ULR
    rdhwr   $a0, $29
    bal     u_exit
    nop

    .globl user_pid
user_pid:                           # exit(getpid())
    bal     u_getpid
    nop
    bal     u_exit
    move    $a0, $v0

    .globl user_store_code
user_store_code:                    # store into its own (clean) code page: TLB Modified
    bal     1f
    nop
1:  sw      $zero, 0($ra)
    bal     u_exit
    move    $a0, $zero

    .globl user_unmapped
user_unmapped:                      # load from a never-mapped address: TLBL
    lui     $t0, 0x2000
    lw      $t1, 0x10($t0)
    bal     u_exit
    move    $a0, $zero

    .globl user_overflow
user_overflow:                      # ADD overflow: Ov
    lui     $t0, 0x7fff
    ori     $t0, $t0, 0xffff
    add     $t1, $t0, $t0
    bal     u_exit
    move    $a0, $zero

    .globl user_badcall
user_badcall:                       # exit(result of unknown syscall 99)
    addiu   $v0, $zero, 99
    syscall
    bal     u_exit
    move    $a0, $v0

    .globl user_heapsum
user_heapsum:                       # store k+1 at heap + k * 4 KiB (k < 3), exit(sum of reads)
    lui     $s0, 0x1000
    addiu   $t0, $zero, 1
    sw      $t0, 0($s0)
    addiu   $t0, $zero, 2
    sw      $t0, 0x1000($s0)
    addiu   $t0, $zero, 3
    sw      $t0, 0x2000($s0)
    lw      $t1, 0($s0)
    lw      $t2, 0x1000($s0)
    lw      $t3, 0x2000($s0)
    lw      $t4, 0x3000($s0)        # untouched demand-zero page reads 0
    addu    $a0, $t1, $t2
    addu    $a0, $a0, $t3
    bal     u_exit
    addu    $a0, $a0, $t4

# ---- benchmarks: each exits with its own Count delta (RDHWR $2) ----
    .globl user_bench_syscall
user_bench_syscall:                 # 1000 getpid round trips
    rdhwr   $s0, $2
    addiu   $s1, $zero, 1000
1:  bal     u_getpid
    addiu   $s1, $s1, -1            # (delay slot)
    bnez    $s1, 1b
    nop
    rdhwr   $t0, $2
    bal     u_exit
    subu    $a0, $t0, $s0

    .globl user_bench_yield
user_bench_yield:                   # 500 yields (run two for a ping-pong)
    rdhwr   $s0, $2
    addiu   $s1, $zero, 500
1:  bal     u_yield
    addiu   $s1, $s1, -1
    bnez    $s1, 1b
    nop
    rdhwr   $t0, $2
    bal     u_exit
    subu    $a0, $t0, $s0

    .globl user_bench_fault
user_bench_fault:                   # first touch of 64 heap pages, 8 KiB apart
    lui     $s0, 0x1000
    rdhwr   $s2, $2
    bal     touch_pairs
    nop
    rdhwr   $t0, $2
    bal     u_exit
    subu    $a0, $t0, $s2

    .globl user_bench_refill
user_bench_refill:                  # 20 rounds over 32 resident pages, 8 KiB apart
    lui     $s0, 0x1000
    bal     touch_pairs             # fault them in first (not timed)
    nop
    rdhwr   $s2, $2
    addiu   $s3, $zero, 20
1:  bal     touch_pairs
    addiu   $s3, $s3, -1
    bnez    $s3, 1b
    nop
    rdhwr   $t0, $2
    bal     u_exit
    subu    $a0, $t0, $s2

touch_pairs:                        # store to s0 + k * 8 KiB, k < 32
    move    $t0, $zero
    addiu   $t3, $zero, 32
1:  sll     $t1, $t0, 13
    addu    $t1, $t1, $s0
    sw      $t0, 0($t1)
    addiu   $t0, $t0, 1
    bne     $t0, $t3, 1b
    nop
    jr      $ra
    nop

user_image_end:
    .set pop
"#
);

extern "C" {
    static user_image_start: u8;
    static user_image_end: u8;
    static user_sieve: u8;
    static user_memsum: u8;
    static user_hello: u8;
    static user_kseg: u8;
    static user_sseg: u8;
    static user_sseg_read: u8;
    static user_spin: u8;
    static user_cop0: u8;
    static user_break: u8;
    static user_rdhwr: u8;
    static user_rdhwr_ulr: u8;
    static user_pid: u8;
    static user_store_code: u8;
    static user_unmapped: u8;
    static user_overflow: u8;
    static user_badcall: u8;
    static user_heapsum: u8;
    static user_bench_syscall: u8;
    static user_bench_yield: u8;
    static user_bench_fault: u8;
    static user_bench_refill: u8;
}

/// Where the image is mapped in every process.
pub const USER_CODE: u32 = 0x0040_0000;
/// Demand-zero heap: pages appear on first touch.
pub const HEAP_START: u32 = 0x1000_0000;
pub const HEAP_END: u32 = 0x1040_0000;
/// Stack: the pages just below `STACK_TOP`.
pub const STACK_TOP: u32 = 0x3fff_f000;
pub const STACK_PAGES: u32 = 2;
/// A page every process has in sseg (supervisor mode's segment, the
/// architecture's KSEG2, seen at 0x60000000 up in this layout).
pub const SSEG_PAGE: u32 = 0x6000_1000;
/// The first word of that page.
pub const SSEG_MARK: u32 = 0x5e65_0001;

/// A built-in program: a name and an entry point in the user image.
#[derive(Clone, Copy)]
pub struct Program {
    pub name: &'static str,
    pub help: &'static str,
    entry: fn() -> *const u8,
}

macro_rules! entry_of {
    ($symbol:ident) => {{
        fn address() -> *const u8 {
            core::ptr::addr_of!($symbol)
        }
        address
    }};
}

pub const PROGRAMS: &[Program] = &[
    Program { name: "sieve", help: "count the primes below 10000", entry: entry_of!(user_sieve) },
    Program { name: "memsum", help: "checksum 8 demand-zero pages", entry: entry_of!(user_memsum) },
    Program { name: "hello", help: "greet three times, yielding", entry: entry_of!(user_hello) },
    Program {
        name: "spin",
        help: "loop forever (use with spawn, end with kill)",
        entry: entry_of!(user_spin),
    },
    Program { name: "kseg", help: "touch 0x40000000 from user mode (killed)", entry: entry_of!(user_kseg) },
    Program {
        name: "sseg-read",
        help: "exit with the word at 0x60001000 (supervisor only; killed in user mode)",
        entry: entry_of!(user_sseg_read),
    },
    Program {
        name: "sseg",
        help: "touch 0x60000000 (sseg: supervisor only; killed)",
        entry: entry_of!(user_sseg),
    },
    Program { name: "cop0", help: "MFC0 from user mode (killed)", entry: entry_of!(user_cop0) },
    Program { name: "break", help: "BREAK from user mode (killed)", entry: entry_of!(user_break) },
    Program { name: "rdhwr", help: "RDHWR CC from user mode", entry: entry_of!(user_rdhwr) },
    Program { name: "rdhwr-ulr", help: "exit with RDHWR UserLocal", entry: entry_of!(user_rdhwr_ulr) },
    Program { name: "pid", help: "exit with its own pid", entry: entry_of!(user_pid) },
    Program {
        name: "store-code",
        help: "store into its code page (killed)",
        entry: entry_of!(user_store_code),
    },
    Program {
        name: "unmapped",
        help: "load from an unmapped address (killed)",
        entry: entry_of!(user_unmapped),
    },
    Program { name: "overflow", help: "ADD overflow (killed)", entry: entry_of!(user_overflow) },
    Program {
        name: "badcall",
        help: "exit with the result of an unknown syscall",
        entry: entry_of!(user_badcall),
    },
    Program {
        name: "heapsum",
        help: "exit with a sum over 4 demand-zero pages (6)",
        entry: entry_of!(user_heapsum),
    },
    Program {
        name: "bench-syscall",
        help: "1000 getpid calls, exits with the Count delta",
        entry: entry_of!(user_bench_syscall),
    },
    Program {
        name: "bench-yield",
        help: "500 yields, exits with the Count delta",
        entry: entry_of!(user_bench_yield),
    },
    Program {
        name: "bench-fault",
        help: "64 demand faults, exits with the Count delta",
        entry: entry_of!(user_bench_fault),
    },
    Program {
        name: "bench-refill",
        help: "20x32 TLB refills, exits with the Count delta",
        entry: entry_of!(user_bench_refill),
    },
];

pub fn find(name: &str) -> Option<&'static Program> {
    PROGRAMS.iter().find(|program| program.name == name)
}

/// The whole user image, as copied into each process.
pub fn image() -> &'static [u8] {
    let start = core::ptr::addr_of!(user_image_start);
    let end = core::ptr::addr_of!(user_image_end);
    // SAFETY: the two symbols delimit the assembled image.
    unsafe { core::slice::from_raw_parts(start, end as usize - start as usize) }
}

impl Program {
    /// The program's entry point as a user address.
    pub fn entry(&self) -> u32 {
        let entry = (self.entry)() as usize;
        let start = image().as_ptr() as usize;
        USER_CODE + (entry - start) as u32
    }
}
