// SPEC carrier (GN4124) + FMC-TDC-1NS-5CHA gen 3 (v8 DMA build): the register map as a datasheet.
// Spec: /work/shared/specs/tdc.md §1.1–1.8 (SPEC, GN4124, VIC, DMA), §2.2–2.10 (TDC), §5 (conversation).
//
// Logic-free on purpose: offsets, bit fields, reset values, identity constants and the 16-byte
// record layout. Both the device models (src/emu/devices/spec, fmc-tdc) and the guest driver
// (src/emu/guest) import this file; the guest may not import devices/.
//
// Offsets inside a block table are relative to the block base given beside it. BAR0 offsets of
// the TDC are BAR0_TDC_BASE + block base + register offset.

import { bit, bits, defineRegs } from '../core/regs';

// ---------------------------------------------------------------------------------------------
// §1.1 PCI identity
export const SPEC_VENDOR_ID = 0x10dc;
export const SPEC_DEVICE_ID_LX45T = 0x018d;
export const SPEC_DEVICE_ID_LX100T = 0x01a2;
export const SPEC_DEVICE_ID_LX150T = 0x01a3;
/** [X] §8: signal-processing controller, other. */
export const SPEC_CLASS_CODE = 0x118000;
export const GN4124_LEGACY_VENDOR_ID = 0x1a39;
export const GN4124_LEGACY_DEVICE_ID = 0x0004;

// §1.2 BARs
export const SPEC_BAR0_SIZE = 0x10_0000;
export const SPEC_BAR2_SIZE = 0x10_0000;
export const SPEC_BAR4_SIZE = 0x1000;

// ---------------------------------------------------------------------------------------------
// §1.3 GN4124 internal registers (BAR4)
export const GN4124_REGS = defineRegs({
  MSI_CONTROL: { offset: 0x048, access: 'rw', note: 'mirror of the MSI capability' },
  MSI_ADDRESS_LOW: { offset: 0x04c, access: 'rw' },
  MSI_ADDRESS_HIGH: { offset: 0x050, access: 'rw' },
  MSI_DATA: { offset: 0x054, access: 'rw' },
  PCI_SYS_CFG_SYSTEM: {
    offset: 0x800,
    access: 'rw',
    fields: { LB_RESET: bit(14) },
    note: 'bit 14 going 0→1 resets the FPGA application (TDC, VIC, DMA)',
  },
  CLK_CSR: { offset: 0x808, access: 'rw', note: 'local-bus clock divider, no effect' },
  INT_CTRL: { offset: 0x810, access: 'rw', note: 'scratch' },
  INT_STAT: {
    offset: 0x814,
    access: 'rw',
    fields: { SW0: bit(2), SW1: bit(3), ALI: bits(8, 7), GPIO: bit(15) },
    note: 'SW bits RW (1 raises), ALI0..6 W1C, GPIO RO = OR of unmasked GPIO_INT_STATUS',
  },
  INT_CFG0: { offset: 0x820, access: 'rw', note: 'sources routed to INTA (MSI off)' },
  INT_CFG1: { offset: 0x824, access: 'rw' },
  INT_CFG2: { offset: 0x828, access: 'rw' },
  INT_CFG3: { offset: 0x82c, access: 'rw' },
  INT_CFG4: { offset: 0x830, access: 'rw' },
  INT_CFG5: { offset: 0x834, access: 'rw' },
  INT_CFG6: { offset: 0x838, access: 'rw' },
  INT_CFG7: { offset: 0x83c, access: 'rw' },
  GPIO_BYPASS_MODE: { offset: 0xa00, access: 'rw' },
  GPIO_DIRECTION_MODE: { offset: 0xa04, access: 'rw', reset: 0xffff, note: '1 = input' },
  GPIO_OUTPUT_ENABLE: { offset: 0xa08, access: 'rw' },
  GPIO_OUTPUT_VALUE: { offset: 0xa0c, access: 'rw' },
  GPIO_INPUT_VALUE: { offset: 0xa10, access: 'r' },
  GPIO_INT_MASK: { offset: 0xa14, access: 'r', reset: 0xffff, note: '1 = masked' },
  GPIO_INT_MASK_CLR: { offset: 0xa18, access: 'w', note: 'write 1 = unmask' },
  GPIO_INT_MASK_SET: { offset: 0xa1c, access: 'w', note: 'write 1 = mask' },
  GPIO_INT_STATUS: { offset: 0xa20, access: 'rc', note: 'reading clears; active levels set again' },
  GPIO_INT_STATUS_W: { offset: 0xa20, access: 'w', note: 'written bits are set again (edge bits kept)' },
  GPIO_INT_TYPE: { offset: 0xa24, access: 'rw', note: '1 = level, 0 = edge' },
  GPIO_INT_VALUE: { offset: 0xa28, access: 'rw', note: '1 = high / rising' },
  GPIO_INT_ON_ANY: { offset: 0xa2c, access: 'rw', note: '1 = both edges' },
  FCL_CTRL: { offset: 0xb00, access: 'rw', fields: { RESET: bit(6) } },
  FCL_STATUS: { offset: 0xb04, access: 'r', reset: 0x8, fields: { SPRI_DONE: bit(3) } },
  FCL_IODATA_IN: { offset: 0xb08, access: 'rw' },
  FCL_IODATA_OUT: { offset: 0xb0c, access: 'rw' },
  FCL_EN: { offset: 0xb10, access: 'rw' },
  FCL_TIMER_0: { offset: 0xb14, access: 'rw' },
  FCL_TIMER_1: { offset: 0xb18, access: 'rw' },
  FCL_CLK_DIV: { offset: 0xb1c, access: 'rw' },
  FCL_IRQ: {
    offset: 0xb20,
    access: 'r',
    fields: { CONFIG_ERROR: bit(2), CONFIG_DONE: bit(3), FIFO_HALF_FULL: bit(5) },
  },
  FCL_TIMER_CTRL: { offset: 0xb24, access: 'rw' },
  FCL_IM: { offset: 0xb28, access: 'rw' },
  FCL_TIMER2_0: { offset: 0xb2c, access: 'rw' },
  FCL_TIMER2_1: { offset: 0xb30, access: 'rw' },
  FCL_DBG_STS: { offset: 0xb34, access: 'r' },
  FCL_FIFO: { offset: 0xe00, access: 'w', note: 'bitstream words' },
});

export const GN4124_INT_STAT_SW0 = 1 << 2;
export const GN4124_INT_STAT_SW1 = 1 << 3;
export const GN4124_INT_STAT_ALI_MASK = 0x7f00;
export const GN4124_INT_STAT_GPIO = 1 << 15;
/** GPIO pin of the VIC master interrupt in the current design (§1.3). */
export const SPEC_GPIO_VIC_IRQ = 8;
export const SPEC_GPIO_BOOTSEL0 = 15;
export const SPEC_GPIO_BOOTSEL1 = 14;

// ---------------------------------------------------------------------------------------------
// §1.6 BAR0 map of the TDC bitstream
export const BAR0_CARRIER_META = 0x0000;
export const BAR0_CARRIER_CSR = 0x0040;
export const BAR0_FMC_I2C = 0x0080;
export const BAR0_DMA = 0x00c0;
export const BAR0_VIC = 0x0100;
export const BAR0_BUILDINFO = 0x0200;
export const BAR0_BUILDINFO_SIZE = 0x100;
export const BAR0_WR_CORE = 0x1000;
export const BAR0_APP_META = 0x2000;
export const BAR0_TDC_BASE = 0x20000;
export const BAR0_TDC_SIZE = 0x8000;

/** Metadata ROM layout (carrier at 0x0000, application at 0x2000). */
export const METADATA_REGS = defineRegs({
  VENDOR: { offset: 0x00, access: 'r' },
  DEVICE: { offset: 0x04, access: 'r' },
  VERSION: {
    offset: 0x08,
    access: 'r',
    fields: { PATCH: bits(0, 16), MINOR: bits(16, 8), MAJOR: bits(24, 8) },
  },
  BOM: { offset: 0x0c, access: 'r' },
  SRC0: { offset: 0x10, access: 'r' },
  SRC1: { offset: 0x14, access: 'r' },
  SRC2: { offset: 0x18, access: 'r' },
  SRC3: { offset: 0x1c, access: 'r' },
  CAPS: {
    offset: 0x20,
    access: 'r',
    fields: { VIC: bit(0), THERM: bit(1), SPI: bit(2), WR: bit(3), BUILDINFO: bit(4), DMA: bit(5) },
  },
  UUID0: { offset: 0x30, access: 'r' },
  UUID1: { offset: 0x34, access: 'r' },
  UUID2: { offset: 0x38, access: 'r' },
  UUID3: { offset: 0x3c, access: 'r' },
});

export const CARRIER_META_VENDOR = 0x000010dc;
export const CARRIER_META_DEVICE = 0x53504543; // "SPEC"
/** [X] carrier gateware version 3.0.0 (the driver checks major.minor). */
export const CARRIER_META_VERSION = 0x03000000;
export const CARRIER_META_BOM = 0xfffe0000;
export const CARRIER_META_CAPS = 0x39;
export const APP_META_VENDOR = 0x000010dc;
export const APP_META_DEVICE = 0x574e0001; // SPEC + TDC
/** [X] application version 8.0.1. */
export const APP_META_VERSION = 0x08000001;

/** Carrier CSR, offsets relative to BAR0 (block at 0x40). */
export const CARRIER_CSR_REGS = defineRegs({
  APP_OFFSET: { offset: 0x40, access: 'r', reset: 0x2000 },
  RESETS: { offset: 0x44, access: 'rw', fields: { GLOBAL: bit(0), APPL: bit(1) } },
  FMC_PRESENCE: { offset: 0x48, access: 'r', reset: 1, fields: { PRESENT: bit(0) } },
  GN4124_STATUS: { offset: 0x4c, access: 'r', reset: 1, fields: { PLL_LOCKED: bit(0) } },
  DDR_STATUS: { offset: 0x50, access: 'r', reset: 1, fields: { CALIB_DONE: bit(0) } },
  PCB_REV: { offset: 0x54, access: 'r', reset: 0x5, fields: { REV: bits(0, 4) } },
});

/** OpenCores I2C master at BAR0+0x80, 4-byte stride (§1.6); offsets relative to 0x80. */
export const FMC_I2C_REGS = defineRegs({
  PRER_LO: { offset: 0x00, access: 'rw', reset: 0xff },
  PRER_HI: { offset: 0x04, access: 'rw', reset: 0xff },
  CTR: { offset: 0x08, access: 'rw', fields: { IEN: bit(6), EN: bit(7) } },
  RXR: { offset: 0x0c, access: 'r' },
  TXR: { offset: 0x0c, access: 'w', fields: { RW: bit(0), DATA: bits(0, 8) } },
  SR: {
    offset: 0x10,
    access: 'r',
    fields: { IF: bit(0), TIP: bit(1), AL: bit(5), BUSY: bit(6), RXACK: bit(7) },
  },
  CR: {
    offset: 0x10,
    access: 'w',
    fields: { IACK: bit(0), ACK: bit(3), WR: bit(4), RD: bit(5), STO: bit(6), STA: bit(7) },
  },
});
export const I2C_CTR_EN = 0x80;
export const I2C_CR_STA = 0x80;
export const I2C_CR_STO = 0x40;
export const I2C_CR_RD = 0x20;
export const I2C_CR_WR = 0x10;
/** 1 = send NACK after this read byte (last byte of a read). */
export const I2C_CR_ACK = 0x08;
export const I2C_CR_IACK = 0x01;
export const I2C_SR_RXACK = 0x80;
export const I2C_SR_BUSY = 0x40;
export const I2C_SR_TIP = 0x02;
export const I2C_SR_IF = 0x01;

/** FMC mezzanine EEPROM (24C64, 8 KiB, two address bytes) and its contents (§2.11). */
export const FMC_EEPROM_I2C_ADDR = 0x50;
export const FMC_EEPROM_SIZE = 0x2000;
export const FMC_EEPROM_CALIB_OFFSET = 0x100;
export const FMC_EEPROM_CALIB_BYTES = 28;
export const FMC_TDC_PRODUCT_NAME = 'FmcTdc1ns5cha';

// §1.8 GN4124 DMA engine, current profile; offsets relative to BAR0+0xC0.
export const DMA_REGS = defineRegs({
  CTRL: {
    offset: 0x00,
    access: 'rw',
    fields: { START: bit(0), ABORT: bit(1), SWAP: bits(2, 2) },
    note: 'START is a pulse (reads 0)',
  },
  STAT: { offset: 0x04, access: 'rw', fields: { STATE: bits(0, 2), IRQ: bit(2) }, note: 'write 0x4 acks' },
  CSTART: { offset: 0x08, access: 'rw', note: 'card (DDR) byte address' },
  HSTARTL: { offset: 0x0c, access: 'rw' },
  HSTARTH: { offset: 0x10, access: 'rw' },
  LEN: { offset: 0x14, access: 'rw' },
  NEXTL: { offset: 0x18, access: 'rw' },
  NEXTH: { offset: 0x1c, access: 'rw' },
  ATTR: { offset: 0x20, access: 'rw', fields: { DIR_P2L: bit(0), MORE: bit(1) } },
  CUR_CSTART: { offset: 0x24, access: 'r' },
  CUR_HSTARTL: { offset: 0x28, access: 'r' },
  CUR_HSTARTH: { offset: 0x2c, access: 'r' },
  CUR_LEN: { offset: 0x30, access: 'r' },
});
export const DMA_CTRL_START = 0x1;
export const DMA_CTRL_ABORT = 0x2;
export const DMA_STAT_IDLE = 0;
export const DMA_STAT_BUSY = 1;
export const DMA_STAT_ERROR = 2;
export const DMA_STAT_ABORTED = 3;
export const DMA_STAT_STATE_MASK = 0x3;
export const DMA_STAT_IRQ = 0x4;
/** ATTR bit 0: 1 = host → card (P2L). */
export const DMA_ATTR_DIR_P2L = 0x1;
/** ATTR bit 1: another descriptor follows at NEXT. */
export const DMA_ATTR_MORE = 0x2;
/** Descriptor in host memory: 32 bytes, the engine reads the first 28. */
export const DMA_DESC_BYTES = 32;
export const DMA_DESC = {
  CSTART: 0x00,
  HSTARTL: 0x04,
  HSTARTH: 0x08,
  LEN: 0x0c,
  NEXTL: 0x10,
  NEXTH: 0x14,
  ATTR: 0x18,
} as const;

// §1.7 VIC, offsets relative to BAR0+0x100.
export const VIC_REGS = defineRegs({
  CTL: {
    offset: 0x00,
    access: 'rw',
    fields: { ENABLE: bit(0), POL: bit(1), EMU_EDGE: bit(2), EMU_LEN: bits(3, 16) },
  },
  RISR: { offset: 0x04, access: 'r' },
  IER: { offset: 0x08, access: 'w' },
  IDR: { offset: 0x0c, access: 'w' },
  IMR: { offset: 0x10, access: 'r' },
  VAR: { offset: 0x14, access: 'r' },
  SWIR: { offset: 0x18, access: 'w' },
  EOIR: { offset: 0x1c, access: 'w' },
});
/** Vector table IVT[n] at VIC + 0x80 + 4n, n = 0..31. */
export const VIC_IVT_OFFSET = 0x80;
export const VIC_LINES = 32;
/** One EMU_LEN cycle at 62.5 MHz. */
export const VIC_CYCLE_NS = 16;
/** Linux setup value: ENABLE | POL | EMU_EDGE | EMU_LEN(250). */
export const VIC_CTL_LINUX = 0x000007d7;
export const VIC_LINE_I2C = 0;
export const VIC_LINE_SPI = 1;
export const VIC_LINE_DMA = 2;
export const VIC_LINE_TDC = 6;

/** §1.10: carrier DDR. */
export const SPEC_DDR_SIZE = 256 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// §2.2 mezzanine block bases (relative to BAR0_TDC_BASE)
export const TDC_SDB = 0x0000;
export const TDC_ONEWIRE = 0x1000;
export const TDC_CORE = 0x2000;
export const TDC_EIC = 0x3000;
export const TDC_I2C = 0x4000;
export const TDC_TS_BASE = 0x5000;
export const TDC_TS_STRIDE = 0x100;
export const TDC_DMABUF_BASE = 0x6000;
export const TDC_DMABUF_STRIDE = 0x40;
export const TDC_DMA_EIC = 0x7000;
export const TDC_CHANNELS = 5;
export const SDB_MAGIC = 0x5344422d; // "SDB-"

/** §2.3 TDC core registers, relative to TDC_CORE. */
export const TDC_CORE_REGS = defineRegs({
  ACAM_CONFIG0: { offset: 0x00, access: 'rw' },
  ACAM_CONFIG1: { offset: 0x04, access: 'rw' },
  ACAM_CONFIG2: { offset: 0x08, access: 'rw' },
  ACAM_CONFIG3: { offset: 0x0c, access: 'rw' },
  ACAM_CONFIG4: { offset: 0x10, access: 'rw' },
  ACAM_CONFIG5: { offset: 0x14, access: 'rw' },
  ACAM_CONFIG6: { offset: 0x18, access: 'rw' },
  ACAM_CONFIG7: { offset: 0x1c, access: 'rw' },
  ACAM_CONFIG11: { offset: 0x2c, access: 'rw' },
  ACAM_CONFIG12: { offset: 0x30, access: 'rw' },
  ACAM_CONFIG14: { offset: 0x38, access: 'rw' },
  ACAM_READBACK0: { offset: 0x40, access: 'r' },
  ACAM_READBACK1: { offset: 0x44, access: 'r' },
  ACAM_READBACK2: { offset: 0x48, access: 'r' },
  ACAM_READBACK3: { offset: 0x4c, access: 'r' },
  ACAM_READBACK4: { offset: 0x50, access: 'r' },
  ACAM_READBACK5: { offset: 0x54, access: 'r' },
  ACAM_READBACK6: { offset: 0x58, access: 'r' },
  ACAM_READBACK7: { offset: 0x5c, access: 'r' },
  ACAM_READBACK8: { offset: 0x60, access: 'r', note: 'ACAM interface FIFO 1' },
  ACAM_READBACK9: { offset: 0x64, access: 'r', note: 'ACAM interface FIFO 2' },
  ACAM_READBACK10: { offset: 0x68, access: 'r', note: 'Start01' },
  ACAM_READBACK11: { offset: 0x6c, access: 'r' },
  ACAM_READBACK12: { offset: 0x70, access: 'r', fields: { PLL_NOT_LOCKED: bit(10) } },
  ACAM_READBACK14: { offset: 0x78, access: 'r' },
  START_UTC: { offset: 0x80, access: 'rw' },
  INPUT_ENABLE: {
    offset: 0x84,
    access: 'rw',
    fields: { TERM: bits(0, 5), GLOBAL_EN: bit(7), CH_EN: bits(16, 5) },
  },
  TEST_PATTERN: { offset: 0x8c, access: 'r', reset: 0xc000ffee },
  IRQ_THRESHOLD: { offset: 0x90, access: 'rw', reset: 1, note: 'FIFO builds only' },
  IRQ_TIMEOUT: { offset: 0x94, access: 'rw', reset: 1, note: 'FIFO builds only' },
  DAC_TUNE: { offset: 0x98, access: 'rw', reset: 0x00a8f5 },
  CURRENT_UTC: { offset: 0xa0, access: 'r' },
  BUFFER_PTR: { offset: 0xa8, access: 'r', note: 'gen 1 only; 0 in v8' },
  CORE_STATUS: { offset: 0xac, access: 'r', reset: 1, fields: { DMA: bit(0), FIFO: bit(1), SLOT: bit(2) } },
  WR_STAT: {
    offset: 0xb0,
    access: 'r',
    fields: {
      ONE: bit(0),
      WR_PRESENT: bit(1),
      LINK_UP: bit(2),
      SYNCING: bit(3),
      AUX_LOCKED: bit(4),
      TIME_VALID: bit(5),
      WR_ENABLED: bit(6),
      AUX_LOCKED2: bit(7),
      TIME_VALID2: bit(8),
    },
  },
  WR_CTRL: { offset: 0xb4, access: 'rw', fields: { ENABLE: bit(0) } },
  FAKE_TS: {
    offset: 0xb8,
    access: 'rw',
    fields: { PERIOD: bits(0, 28), CHANNEL: bits(28, 3), ENABLE: bit(31) },
  },
  TEST1: { offset: 0xbc, access: 'rw' },
  CTRL: {
    offset: 0xfc,
    access: 'w',
    fields: {
      EN_ACQ: bit(0),
      DIS_ACQ: bit(1),
      LOAD_ACAM_CFG: bit(2),
      READ_ACAM_CFG: bit(3),
      READ_ACAM_STAT: bit(4),
      READ_ACAM_IFIFO1: bit(5),
      READ_ACAM_IFIFO2: bit(6),
      READ_ACAM_START01: bit(7),
      RESET_ACAM: bit(8),
      LOAD_UTC: bit(9),
      CLEAR_DACAPO: bit(10),
      CONFIG_DAC: bit(11),
    },
  },
});
export const TDC_CTRL_EN_ACQ = 1 << 0;
export const TDC_CTRL_DIS_ACQ = 1 << 1;
export const TDC_CTRL_LOAD_ACAM_CFG = 1 << 2;
export const TDC_CTRL_READ_ACAM_CFG = 1 << 3;
export const TDC_CTRL_READ_ACAM_STAT = 1 << 4;
export const TDC_CTRL_READ_ACAM_IFIFO1 = 1 << 5;
export const TDC_CTRL_READ_ACAM_IFIFO2 = 1 << 6;
export const TDC_CTRL_READ_ACAM_START01 = 1 << 7;
export const TDC_CTRL_RESET_ACAM = 1 << 8;
export const TDC_CTRL_LOAD_UTC = 1 << 9;
export const TDC_CTRL_CLEAR_DACAPO = 1 << 10;
export const TDC_CTRL_CONFIG_DAC = 1 << 11;
export const TDC_INPUT_ENABLE_GLOBAL = 1 << 7;
export const TDC_INPUT_ENABLE_CH_SHIFT = 16;
export const TDC_WR_STAT_LINK_UP = 1 << 2;
export const TDC_WR_STAT_AUX_LOCKED = 1 << 4;
export const TDC_WR_STAT_TIME_VALID = 1 << 5;
export const TDC_ACAM_PLL_NOT_LOCKED = 1 << 10;
/** ACAM register numbers that have an image slot, and the image/readback offsets (§2.3). */
export const ACAM_REG_NUMBERS = [0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 14] as const;
export const ACAM_CONFIG_OFFSET = (reg: number) => reg * 4;
export const ACAM_READBACK_OFFSET = (reg: number) => 0x40 + reg * 4;
/** §2.4: values the v8 driver writes. */
export const ACAM_V8_CONFIG: Readonly<Record<number, number>> = {
  0: 0x01f0fc81,
  1: 0,
  2: 0x00000e02,
  3: 0,
  4: 0x0200000f,
  5: 0x000007d0,
  6: 0x000000fc,
  7: 0x00001fea,
  11: 0x00ff0000,
  12: 0x04000800,
  14: 0,
};
/** Reg 7 value that gives the 81 ps bin and lets the model's PLL lock. */
export const ACAM_REG7_LOCKING = 0x00001fea;
export const DAC_TUNE_DEFAULT = 0x00a8f5;

/** §2.5 TDC EIC, relative to TDC_EIC. */
export const TDC_EIC_REGS = defineRegs({
  IDR: { offset: 0x0, access: 'w' },
  IER: { offset: 0x4, access: 'w' },
  IMR: { offset: 0x8, access: 'r' },
  ISR: {
    offset: 0xc,
    access: 'rw',
    note: 'pending regardless of mask; write 1 clears briefly (levels return)',
  },
});
/** EIC bit of the DMA source of channel ch (0..4). */
export const TDC_EIC_DMA_BIT = (ch: number) => 1 << (5 + ch);
export const TDC_EIC_DMA_MASK = 0x3e0;
export const TDC_EIC_FIFO_MASK = 0x01f;

/** §2.6 per-channel timestamp block, relative to TDC_TS_BASE + TDC_TS_STRIDE·ch. */
export const TDC_TS_REGS = defineRegs({
  DELTA1: { offset: 0x00, access: 'r' },
  DELTA2: { offset: 0x04, access: 'r' },
  DELTA3: { offset: 0x08, access: 'r' },
  OFFSET1: { offset: 0x0c, access: 'rw', note: 'seconds, signed' },
  OFFSET2: { offset: 0x10, access: 'rw', note: '8 ns ticks' },
  OFFSET3: { offset: 0x14, access: 'rw', fields: { FRAC: bits(0, 12) } },
  CSR: {
    offset: 0x18,
    access: 'rw',
    fields: {
      DELTA_READY: bit(0),
      DELTA_READ: bit(1),
      RST_SEQ: bit(2),
      DELTA_REF: bits(3, 3),
      RAW_MODE: bit(6),
    },
  },
  FIFO_R0: { offset: 0x1c, access: 'r', note: 'FIFO builds only' },
  FIFO_R1: { offset: 0x20, access: 'r' },
  FIFO_R2: { offset: 0x24, access: 'r' },
  FIFO_R3: { offset: 0x28, access: 'r' },
  FIFO_CSR: {
    offset: 0x2c,
    access: 'rw',
    fields: { USEDW: bits(0, 6), FULL: bit(16), EMPTY: bit(17), CLEAR: bit(18) },
  },
});
export const TDC_TS_CSR_RST_SEQ = 1 << 2;
export const TDC_TS_CSR_RAW_MODE = 1 << 6;

/** §2.7 per-channel DMA buffer controller, relative to TDC_DMABUF_BASE + TDC_DMABUF_STRIDE·ch. */
export const TDC_DMABUF_REGS = defineRegs({
  CSR: {
    offset: 0x00,
    access: 'rw',
    fields: {
      ENABLE: bit(0),
      IRQ_TIMEOUT: bits(1, 10),
      BURST_SIZE: bits(11, 10),
      SWITCH_BUFFERS: bit(21),
      DONE: bit(22),
      OVERFLOW: bit(23),
    },
  },
  CUR_BASE: { offset: 0x04, access: 'rw' },
  CUR_COUNT: { offset: 0x08, access: 'r' },
  CUR_SIZE: { offset: 0x0c, access: 'rw', fields: { SIZE: bits(0, 30), VALID: bit(30) } },
  NEXT_BASE: { offset: 0x10, access: 'rw' },
  NEXT_SIZE: { offset: 0x14, access: 'rw', fields: { SIZE: bits(0, 30), VALID: bit(30) } },
});
export const TDC_DMABUF_CSR_ENABLE = 1 << 0;
export const TDC_DMABUF_CSR_IRQ_TIMEOUT_SHIFT = 1;
export const TDC_DMABUF_CSR_IRQ_TIMEOUT_MASK = 0x3ff << 1;
export const TDC_DMABUF_CSR_BURST_SIZE_SHIFT = 11;
export const TDC_DMABUF_CSR_BURST_SIZE_MASK = 0x3ff << 11;
export const TDC_DMABUF_CSR_SWITCH_BUFFERS = 1 << 21;
export const TDC_DMABUF_CSR_DONE = 1 << 22;
export const TDC_DMABUF_CSR_OVERFLOW = 1 << 23;
export const TDC_DMABUF_SIZE_MASK = 0x3fffffff;
export const TDC_DMABUF_SIZE_VALID = 1 << 30;
/** Driver layout (§2.7): channel ch uses A at ch × 32 MiB and B at ch × 32 MiB + 16 MiB. */
export const TDC_DDR_CHANNEL_STRIDE = 0x2000000;
export const TDC_DDR_BUFFER_BYTES = 0x1000000;

/** §2.9 one-wire block, relative to TDC_ONEWIRE. */
export const TDC_ONEWIRE_REGS = defineRegs({
  CSR: { offset: 0x0, access: 'r', fields: { VALID: bit(0) } },
  TEMP: { offset: 0x4, access: 'r', note: '°C × 16, signed 16 bit' },
  ID_H: { offset: 0x8, access: 'r' },
  ID_L: { offset: 0xc, access: 'r' },
});

// ---------------------------------------------------------------------------------------------
// §2.10 the 16-byte timestamp record (little-endian words)
export const TDC_RECORD_BYTES = 16;
export const TDC_RECORD = {
  /** word 0: seconds. */
  SECONDS: 0x0,
  /** word 1: 8 ns ticks within the second, 0 … 124,999,999. */
  COARSE: 0x4,
  /** word 2: bits 11:0 frac (1/4096 of 8 ns); bits 24:12 low raw ACAM bins (DMA build, debug). */
  FRAC: 0x8,
  /** word 3: bits 2:0 channel, bit 3 slope (1 = rising), bits 31:4 sequence. */
  META: 0xc,
} as const;
export const TDC_FRAC_MASK = 0xfff;
export const TDC_RAW_BINS_SHIFT = 12;
export const TDC_RAW_BINS_MASK = 0x1fff;
export const TDC_META_CHANNEL_MASK = 0x7;
export const TDC_META_SLOPE = 0x8;
export const TDC_META_SEQ_SHIFT = 4;
/** Sequence numbers in the record are 28 bits (B7: they wrap). */
export const TDC_SEQ_MODULO = 0x10000000;
export const TDC_COARSE_PER_SECOND = 125_000_000;
export const TDC_COARSE_PS = 8000;
export const TDC_FRAC_PER_COARSE = 4096;
/** ACAM bin of the configured chip, ps (§2.4, §8). */
export const ACAM_BIN_PS = 81.0383;
/** Gateware conversion: frac_total = floor(bins × 84934 / 2048) (§2.10). */
export const ACAM_BINS_TO_FRAC_NUM = 84934;
export const ACAM_BINS_TO_FRAC_DEN = 2048;
/** Pulse-width filter threshold of the gateware, 8 ns ticks (§2.10). */
export const TDC_FILTER_MIN_TICKS = 12;

/** ps within the second of a record, as the library computes it: coarse × 8000 + ⌊frac × 125 / 64⌋. */
export function tdcRecordPs(coarse: number, frac: number): number {
  return coarse * TDC_COARSE_PS + Math.floor(((frac & TDC_FRAC_MASK) * 125) / 64);
}
