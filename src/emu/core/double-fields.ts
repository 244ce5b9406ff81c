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
// A class field gets the seed in its declaration (`private t = DOUBLE_SEED;`). The build emits
// class fields as assignments in the constructor (tsconfig `useDefineForClassFields: false`), so a
// field's first value is the one its declaration or the constructor gives; with define semantics a
// declared field was first set to undefined, and a field that has held undefined is a tagged field
// for good (every later store of a non-small-integer allocates a heap number), and loses the
// record of its objects' class, which costs a map check at each use.

/** A non-integer seed: initialise with it, then store the real value (`t = DOUBLE_SEED;` … `this.t = 0`). */
export const DOUBLE_SEED = 0.5;

/** A two-element number array held as doubles from the start, filled with `value`. */
export function doublePair(value = 0): [number, number] {
  const a: [number, number] = [DOUBLE_SEED, DOUBLE_SEED];
  a[0] = value;
  a[1] = value;
  return a;
}
