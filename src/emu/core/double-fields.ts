// Virtual time in integer ns passes 2^30 after about one virtual second. V8 tracks, per object
// field and per array, whether it has only ever held small integers; the first larger value
// changes that representation, and every optimised function that relied on it is thrown away
// and compiled again. With time stored in dozens of fields, that happened field by field during
// the second or third virtual second and cost far more than the seconds that followed.
//
// Fields and arrays that will hold ns (or other large sums) are therefore started with a
// fractional value and then set to their real initial value: they are doubles from the first
// instruction and stay so. Purely a speed measure: values and results are unchanged.
//
// A class field must get the seed in its declaration (`private t = DOUBLE_SEED;`), not only in
// the constructor: the build emits a declared field (`private t: number;`) as a field set to
// undefined first, and a field that has held undefined is a tagged field for good, so every
// store of a non-small-integer then allocates a new heap number (and a write-barrier call).

/** A non-integer seed: initialise with it, then store the real value (`t = DOUBLE_SEED;` … `this.t = 0`). */
export const DOUBLE_SEED = 0.5;

/** A two-element number array held as doubles from the start, filled with `value`. */
export function doublePair(value = 0): [number, number] {
  const a: [number, number] = [DOUBLE_SEED, DOUBLE_SEED];
  a[0] = value;
  a[1] = value;
  return a;
}
