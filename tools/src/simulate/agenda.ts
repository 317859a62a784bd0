/**
 * The discrete-event agenda: what happens next, in time order (ties in the order they were
 * planned, so a run is repeatable). A binary heap: a month of a busy city plans ~10⁵ events.
 */
export interface Planned<T> {
  at: number;
  seq: number;
  what: T;
}

export class Agenda<T> {
  #heap: Planned<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  plan(at: number, what: T): void {
    const h = this.#heap;
    h.push({ at, seq: this.#seq++, what });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  next(): Planned<T> | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Planned<unknown>, b: Planned<unknown>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
