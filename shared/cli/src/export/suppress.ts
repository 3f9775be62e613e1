// k-anonymity for published counts. A value is published only when the distinct learners behind
// it number at least k; otherwise it is suppressed (primary). Where a total of an additive
// measure is published, suppressed cells could be recovered by subtraction: more cells are then
// suppressed (secondary) until the hidden part is spread over at least two cells and stands for
// at least k learners, or, failing that, the total is suppressed too.

export interface Cell {
  /** The additive value (e.g. enrollments). */
  value: number;
  /** Distinct learners behind the value. */
  learners: number;
  suppressed: boolean;
}

/** Primary suppression: cells with fewer than k learners. */
export function suppressSmall<T extends Cell>(cells: T[], k: number): T[] {
  for (const c of cells) if (c.learners < k) c.suppressed = true;
  return cells;
}

/**
 * Secondary suppression for cells that add up to a published total. Returns whether the total
 * itself may be published. Learners of the hidden cells are summed (an upper bound of the distinct
 * count: a learner in two hidden cells counts twice), which is why two cells are required too.
 */
export function protectTotal<T extends Cell>(cells: T[], total: Cell, k: number): boolean {
  if (total.learners < k) return false;
  const hidden = () => cells.filter((c) => c.suppressed);
  const hiddenLearners = () => hidden().reduce((s, c) => s + c.learners, 0);
  // A value of 0 hides nothing: it is publishable as such only if learners >= k anyway.
  while (hidden().length > 0 && (hidden().length < 2 || hiddenLearners() < k)) {
    const next = cells
      .filter((c) => !c.suppressed)
      .sort((a, b) => a.learners - b.learners || a.value - b.value)[0];
    if (!next) return false; // every cell hidden and still too few: the total would reveal them
    next.suppressed = true;
  }
  return true;
}
