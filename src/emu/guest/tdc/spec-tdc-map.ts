// The driver's view of the SPEC + FMC-TDC address map: absolute BAR0/BAR4 byte offsets derived
// from the shared register file (src/emu/hw/spec-tdc-regs.ts, tdc.md §1.3–§1.8, §2.2–§2.7), so
// the driver code reads like the spec's conversation tables (e.g. "W B0+0x26000").
import * as R from '../../hw/spec-tdc-regs';

export const SPEC_VENDOR_ID = R.SPEC_VENDOR_ID;
export const SPEC_DEVICE_IDS: readonly number[] = [
  R.SPEC_DEVICE_ID_LX45T,
  R.SPEC_DEVICE_ID_LX100T,
  R.SPEC_DEVICE_ID_LX150T,
];

/** Absolute offsets of the named registers of one block at `base` (names as in the register file). */
function absolute<T extends Record<string, { offset: number }>, K extends keyof T & string>(
  base: number,
  regs: T,
  names: readonly K[],
): Readonly<Record<K, number>> {
  return Object.fromEntries(names.map((n) => [n, base + regs[n].offset])) as Record<K, number>;
}

/** BAR4: GN4124 internal registers. */
const G = R.GN4124_REGS;
export const GN = absolute(0, G, [
  'INT_STAT',
  'INT_CFG0',
  'GPIO_BYPASS_MODE',
  'GPIO_DIRECTION_MODE',
  'GPIO_OUTPUT_ENABLE',
  'GPIO_INT_MASK_CLR',
  'GPIO_INT_MASK_SET',
  'GPIO_INT_STATUS',
  'GPIO_INT_TYPE',
  'GPIO_INT_VALUE',
  'FCL_STATUS',
]);
export const INT_STAT_GPIO = R.GN4124_INT_STAT_GPIO;
export const INT_STAT_ALI = R.GN4124_INT_STAT_ALI_MASK;
export const FCL_STATUS_SPRI_DONE = 1 << G.FCL_STATUS.fields.SPRI_DONE.shift;
export const GPIO_VIC = 1 << R.SPEC_GPIO_VIC_IRQ;

/** BAR0: carrier metadata and CSR. */
const META = R.METADATA_REGS;
const CSR = R.CARRIER_CSR_REGS;
export const CARRIER = {
  VENDOR: R.BAR0_CARRIER_META + META.VENDOR.offset,
  DEVICE: R.BAR0_CARRIER_META + META.DEVICE.offset,
  VERSION: R.BAR0_CARRIER_META + META.VERSION.offset,
  BOM: R.BAR0_CARRIER_META + META.BOM.offset,
  CAPABILITIES: R.BAR0_CARRIER_META + META.CAPS.offset,
  APP_OFFSET: CSR.APP_OFFSET.offset,
  RESETS: CSR.RESETS.offset,
  FMC_PRESENCE: CSR.FMC_PRESENCE.offset,
  DDR_STATUS: CSR.DDR_STATUS.offset,
} as const;
export const CARRIER_DEVICE_SPEC = R.CARRIER_META_DEVICE;
export const CARRIER_BOM_LE = R.CARRIER_META_BOM;
/** Major.minor of the carrier gateware this driver was written for. */
export const CARRIER_VERSION_MAJOR_MINOR = R.CARRIER_META_VERSION >>> 16;
export const CAP_VIC = 1 << META.CAPS.fields.VIC.shift;
export const CAP_DMA = 1 << META.CAPS.fields.DMA.shift;
export const RESETS_APP = 1 << CSR.RESETS.fields.APPL.shift;
export const APP_DEVICE_TDC = R.APP_META_DEVICE;

/** BAR0+0xC0: GN4124 DMA engine (current profile). */
const D = R.DMA_REGS;
export const DMA = absolute(R.BAR0_DMA, D, [
  'CTRL',
  'STAT',
  'CSTART',
  'HSTARTL',
  'HSTARTH',
  'LEN',
  'NEXTL',
  'NEXTH',
  'ATTR',
]);
export const DMA_CTRL_START = R.DMA_CTRL_START;
export const DMA_CTRL_ABORT = R.DMA_CTRL_ABORT;
export const DMA_STAT_IRQ = R.DMA_STAT_IRQ;
export const DMA_ATTR_MORE = R.DMA_ATTR_MORE;
export const DMA_STATE_IDLE = R.DMA_STAT_IDLE;
export const DMA_STATE_BUSY = R.DMA_STAT_BUSY;
export const DMA_STATE_ERROR = R.DMA_STAT_ERROR;
export const DMA_STATE_ABORTED = R.DMA_STAT_ABORTED;

/** BAR0+0x100: VIC. */
const V = R.VIC_REGS;
export const VIC = {
  ...absolute(R.BAR0_VIC, V, ['CTL', 'RISR', 'IER', 'IDR', 'VAR', 'EOIR']),
  IVT: R.BAR0_VIC + R.VIC_IVT_OFFSET,
} as const;
export const VIC_CTL_SPEC = R.VIC_CTL_LINUX;
export const VIC_LINE_DMA = R.VIC_LINE_DMA;
export const VIC_LINE_TDC = R.VIC_LINE_TDC;

/** BAR0+0x20000: the mezzanine. */
export const TDC_BASE = R.BAR0_TDC_BASE + R.TDC_SDB;
export const SDB_MAGIC = R.SDB_MAGIC;
const C = R.TDC_CORE_REGS;
const CORE_BASE = R.BAR0_TDC_BASE + R.TDC_CORE;
export const CORE = {
  ACAM_CONFIG: CORE_BASE + C.ACAM_CONFIG0.offset,
  READBACK12: CORE_BASE + C.ACAM_READBACK12.offset,
  START_UTC: CORE_BASE + C.START_UTC.offset,
  INPUT_ENABLE: CORE_BASE + C.INPUT_ENABLE.offset,
  TEST_PATTERN: CORE_BASE + C.TEST_PATTERN.offset,
  CORE_STATUS: CORE_BASE + C.CORE_STATUS.offset,
  CTRL: CORE_BASE + C.CTRL.offset,
} as const;
export const TEST_PATTERN_VALUE = C.TEST_PATTERN.reset;
export const CORE_STATUS_DMA = 1 << C.CORE_STATUS.fields.DMA.shift;
export const READBACK12_PLL_UNLOCKED = R.TDC_ACAM_PLL_NOT_LOCKED;
export const INPUT_ENABLE_GLOBAL = R.TDC_INPUT_ENABLE_GLOBAL;
export const inputEnableChannel = (ch: number): number => 1 << (R.TDC_INPUT_ENABLE_CH_SHIFT + ch);
export const inputTermination = (ch: number): number => 1 << ch;
export const CTRL_CMD = {
  EN_ACQ: R.TDC_CTRL_EN_ACQ,
  DIS_ACQ: R.TDC_CTRL_DIS_ACQ,
  LOAD_ACAM_CFG: R.TDC_CTRL_LOAD_ACAM_CFG,
  READ_ACAM_CFG: R.TDC_CTRL_READ_ACAM_CFG,
  RESET_ACAM: R.TDC_CTRL_RESET_ACAM,
  LOAD_UTC: R.TDC_CTRL_LOAD_UTC,
} as const;

/** ACAM image (offset relative to ACAM_CONFIG, value) in register order, as the v8 driver writes (§2.4). */
export const ACAM_IMAGE: readonly (readonly [offset: number, value: number])[] = R.ACAM_REG_NUMBERS.map(
  (reg) => [R.ACAM_CONFIG_OFFSET(reg), R.ACAM_V8_CONFIG[reg]] as const,
);

/** TDC EIC. Bits 5..9 = DMA buffer ready of channels 0..4. */
const E = R.TDC_EIC_REGS;
const EIC_BASE = R.BAR0_TDC_BASE + R.TDC_EIC;
export const EIC = absolute(EIC_BASE, E, ['IDR', 'IER', 'IMR', 'ISR']);
export const eicDmaBit = R.TDC_EIC_DMA_BIT;
export const EIC_DMA_ALL = R.TDC_EIC_DMA_MASK;

/** Per-channel timestamp block: offsets. */
const tsBase = (ch: number) => R.BAR0_TDC_BASE + R.TDC_TS_BASE + R.TDC_TS_STRIDE * ch;
export const tsOffset1 = (ch: number): number => tsBase(ch) + R.TDC_TS_REGS.OFFSET1.offset;
export const tsOffset2 = (ch: number): number => tsBase(ch) + R.TDC_TS_REGS.OFFSET2.offset;
export const tsOffset3 = (ch: number): number => tsBase(ch) + R.TDC_TS_REGS.OFFSET3.offset;

/** Per-channel DMA buffer controller. */
const B = R.TDC_DMABUF_REGS;
const bufBase = (ch: number) => R.BAR0_TDC_BASE + R.TDC_DMABUF_BASE + R.TDC_DMABUF_STRIDE * ch;
export const bufCsr = (ch: number): number => bufBase(ch) + B.CSR.offset;
export const bufCurBase = (ch: number): number => bufBase(ch) + B.CUR_BASE.offset;
export const bufCurCount = (ch: number): number => bufBase(ch) + B.CUR_COUNT.offset;
export const bufCurSize = (ch: number): number => bufBase(ch) + B.CUR_SIZE.offset;
export const bufNextBase = (ch: number): number => bufBase(ch) + B.NEXT_BASE.offset;
export const bufNextSize = (ch: number): number => bufBase(ch) + B.NEXT_SIZE.offset;
export const BUF_CSR_ENABLE = R.TDC_DMABUF_CSR_ENABLE;
export const BUF_CSR_SWITCH = R.TDC_DMABUF_CSR_SWITCH_BUFFERS;
export const BUF_CSR_DONE = R.TDC_DMABUF_CSR_DONE;
export const BUF_SIZE_VALID = R.TDC_DMABUF_SIZE_VALID;
export const bufCsrValue = (irqTimeoutMs: number, burstSize: number): number =>
  (BUF_CSR_ENABLE |
    ((irqTimeoutMs << R.TDC_DMABUF_CSR_IRQ_TIMEOUT_SHIFT) & R.TDC_DMABUF_CSR_IRQ_TIMEOUT_MASK) |
    ((burstSize << R.TDC_DMABUF_CSR_BURST_SIZE_SHIFT) & R.TDC_DMABUF_CSR_BURST_SIZE_MASK)) >>>
  0;
/** DDR layout of the v8 driver: channel ch uses ch × 32 MiB (buffer A) and + 16 MiB (buffer B). */
export const ddrBufferBase = (ch: number, which: 0 | 1): number =>
  ch * R.TDC_DDR_CHANNEL_STRIDE + which * R.TDC_DDR_BUFFER_BYTES;
