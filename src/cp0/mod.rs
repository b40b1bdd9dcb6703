//! Coprocessor 0: register identities and typed field definitions.
//!
//! One place names every CP0 register the monitor touches, as a typed
//! `(register, select)` pair; the field layouts live in [`fields`].

pub mod fields;

/// A CP0 register as the `mfc0 rt, rd, sel` instruction names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cp0Reg {
    pub reg: u8,
    pub sel: u8,
}

impl Cp0Reg {
    pub const fn new(reg: u8, sel: u8) -> Self {
        assert!(reg < 32 && sel < 8);
        Cp0Reg { reg, sel }
    }
}

macro_rules! cp0_registers {
    ($($name:ident = ($reg:expr, $sel:expr), $text:expr;)*) => {
        $(pub const $name: Cp0Reg = Cp0Reg::new($reg, $sel);)*

        impl Cp0Reg {
            /// The architecture manual's name, or `None` for a pair we do not name.
            pub fn name(self) -> Option<&'static str> {
                match (self.reg, self.sel) {
                    $(($reg, $sel) => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

cp0_registers! {
    INDEX = (0, 0), "Index";
    RANDOM = (1, 0), "Random";
    ENTRY_LO0 = (2, 0), "EntryLo0";
    ENTRY_LO1 = (3, 0), "EntryLo1";
    CONTEXT = (4, 0), "Context";
    USER_LOCAL = (4, 2), "UserLocal";
    MEMORY_MAP_ID = (4, 5), "MemoryMapID";
    PAGE_MASK = (5, 0), "PageMask";
    PAGE_GRAIN = (5, 1), "PageGrain";
    SEG_CTL0 = (5, 2), "SegCtl0";
    SEG_CTL1 = (5, 3), "SegCtl1";
    SEG_CTL2 = (5, 4), "SegCtl2";
    PW_BASE = (5, 5), "PWBase";
    PW_FIELD = (5, 6), "PWField";
    PW_SIZE = (5, 7), "PWSize";
    WIRED = (6, 0), "Wired";
    PW_CTL = (6, 6), "PWCtl";
    HW_RENA = (7, 0), "HWREna";
    BAD_VADDR = (8, 0), "BadVAddr";
    BAD_INSTR = (8, 1), "BadInstr";
    BAD_INSTR_P = (8, 2), "BadInstrP";
    COUNT = (9, 0), "Count";
    ENTRY_HI = (10, 0), "EntryHi";
    COMPARE = (11, 0), "Compare";
    STATUS = (12, 0), "Status";
    INT_CTL = (12, 1), "IntCtl";
    SRS_CTL = (12, 2), "SRSCtl";
    CAUSE = (13, 0), "Cause";
    EPC = (14, 0), "EPC";
    PRID = (15, 0), "PRId";
    EBASE = (15, 1), "EBase";
    CONFIG0 = (16, 0), "Config";
    CONFIG1 = (16, 1), "Config1";
    CONFIG2 = (16, 2), "Config2";
    CONFIG3 = (16, 3), "Config3";
    CONFIG4 = (16, 4), "Config4";
    CONFIG5 = (16, 5), "Config5";
    CONFIG6 = (16, 6), "Config6";
    CONFIG7 = (16, 7), "Config7";
    LL_ADDR = (17, 0), "LLAddr";
    WATCH_LO0 = (18, 0), "WatchLo";
    WATCH_HI0 = (19, 0), "WatchHi";
    XCONTEXT = (20, 0), "XContext";
    DEBUG = (23, 0), "Debug";
    DEPC = (24, 0), "DEPC";
    ERR_CTL = (26, 0), "ErrCtl";
    TAG_LO = (28, 0), "TagLo";
    DATA_LO = (28, 1), "DataLo";
    DTAG_LO = (28, 2), "DTagLo";
    DDATA_LO = (28, 3), "DDataLo";
    TAG_HI = (29, 0), "TagHi";
    ERROR_EPC = (30, 0), "ErrorEPC";
    DESAVE = (31, 0), "DESAVE";
    KSCRATCH1 = (31, 2), "KScratch1";
    KSCRATCH2 = (31, 3), "KScratch2";
    KSCRATCH3 = (31, 4), "KScratch3";
    KSCRATCH4 = (31, 5), "KScratch4";
    KSCRATCH5 = (31, 6), "KScratch5";
    KSCRATCH6 = (31, 7), "KScratch6";
}

/// KScratch registers live at CP0 register 31, selects 2 to 7.
pub const fn kscratch(select: u8) -> Cp0Reg {
    assert!(select >= 2 && select <= 7);
    Cp0Reg::new(31, select)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_manual_numbering() {
        // MIPS32 PRA vol. III, table 9.2: Status is 12/0, EBase 15/1, KScratch1 31/2.
        assert_eq!(STATUS.name(), Some("Status"));
        assert_eq!(Cp0Reg::new(15, 1).name(), Some("EBase"));
        assert_eq!(kscratch(2), KSCRATCH1);
        assert_eq!(Cp0Reg::new(3, 7).name(), None);
    }
}
