// A benchmark prints one figure: `name: value unit` (automation.md §1). Each bench/<area>.ts
// exports `benches: Bench[]`; `device-lab bench` runs them all in order.
export interface Bench {
  /** Line name from automation.md §1, e.g. "throttle.schedule_account". */
  name: string;
  unit: string;
  /** Runs the measurement and returns the figure (in `unit`). */
  run(): number | Promise<number>;
}
