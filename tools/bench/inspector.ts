/**
 * A small Chrome DevTools Protocol client for a server started with --inspect (the soak bench):
 * the live heap after a full collection, and heap snapshots summarised by constructor so two of
 * them can be compared — what grew between them is what a leak would be.
 *
 * Uses Node's WebSocket (behind --experimental-websocket on Node 20).
 */

/** Objects of one kind in a heap snapshot: V8's node type and name (the constructor for objects). */
export interface HeapKind { type: string; name: string; count: number; bytes: number }

export class Inspector {
  private constructor(private readonly ws: WebSocket) {}
  private next = 0;

  static async connect(port: number): Promise<Inspector> {
    const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    const ws = new WebSocket(target!.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', () => reject(new Error('inspector: no connection')), { once: true });
    });
    return new Inspector(ws);
  }

  /** Sends one command; `onEvent` sees the events that arrive before its answer (snapshot chunks). */
  call(method: string, params: object = {}, onEvent?: (method: string, params: Record<string, unknown>) => void, timeoutMs = 120_000): Promise<Record<string, number>> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} unanswered`)), timeoutMs);
      const onMessage = (e: MessageEvent) => {
        const msg = JSON.parse(String(e.data)) as { id?: number; method?: string; params?: Record<string, unknown>; result?: Record<string, number>; error?: { message: string } };
        if (msg.method) return onEvent?.(msg.method, msg.params ?? {});
        if (msg.id !== id) return;
        this.ws.removeEventListener('message', onMessage);
        clearTimeout(timer);
        if (msg.error) reject(new Error(`inspector: ${method}: ${msg.error.message}`));
        else resolve(msg.result ?? {});
      };
      this.ws.addEventListener('message', onMessage);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** V8's used heap after a full collection (MB): what is still reachable. */
  async liveHeapMb(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage');
    return (await this.call('Runtime.getHeapUsage')).usedSize! / 2 ** 20;
  }

  /** A heap snapshot (V8 collects first: only reachable objects), counted and sized by kind. */
  async heapKinds(): Promise<Map<string, HeapKind>> {
    const chunks: string[] = [];
    await this.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, (method, params) => {
      if (method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(params.chunk as string);
    }, 600_000);
    return summarise(JSON.parse(chunks.join('')) as Snapshot);
  }

  close(): void {
    this.ws.close();
  }
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function summarise(s: Snapshot): Map<string, HeapKind> {
  const fields = s.snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = s.snapshot.meta.node_types[0];
  const out = new Map<string, HeapKind>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]!]!;
    // Strings and code are named by their content: one kind each, not one per text.
    const name = type === 'object' || type === 'closure' || type === 'native' ? s.strings[s.nodes[i + nameAt]!]! : '';
    const key = `${type}\u0000${name}`;
    const k = out.get(key) ?? { type, name, count: 0, bytes: 0 };
    k.count++;
    k.bytes += s.nodes[i + sizeAt]!;
    out.set(key, k);
  }
  return out;
}

/** The kinds that grew most between two snapshots (by bytes), with their counts. */
export function heapGrowth(before: Map<string, HeapKind>, after: Map<string, HeapKind>, top = 12): Array<HeapKind & { countDelta: number; bytesDelta: number }> {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].map((key) => {
    const a = before.get(key), b = after.get(key);
    const k = b ?? a!;
    return { ...k, count: b?.count ?? 0, bytes: b?.bytes ?? 0, countDelta: (b?.count ?? 0) - (a?.count ?? 0), bytesDelta: (b?.bytes ?? 0) - (a?.bytes ?? 0) };
  }).sort((x, y) => y.bytesDelta - x.bytesDelta).slice(0, top);
}
