/**
 * The live channel (`/api/live`): queue snapshots for seats, case changes for parties and
 * staff. The session cookie signs the socket in. It reconnects by itself with backoff, and
 * tells listeners when it is (re)connected so a screen can refetch what it may have missed.
 */
export type LiveMessage = { kind: string; [key: string]: unknown };
type Listener = (m: LiveMessage) => void;

export interface LiveChannel {
  on(listener: Listener): () => void;
  readonly connected: boolean;
  close(): void;
}

export function openLive(onStatus?: (connected: boolean) => void): LiveChannel {
  const listeners = new Set<Listener>();
  let socket: WebSocket | null = null;
  let closed = false;
  let connected = false;
  let backoff = 500;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const connect = () => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`;
    socket = new WebSocket(url);
    socket.onopen = () => {
      connected = true;
      backoff = 500;
      onStatus?.(true);
    };
    socket.onmessage = (ev) => {
      let m: LiveMessage;
      try {
        m = JSON.parse(String(ev.data)) as LiveMessage;
      } catch {
        return;
      }
      for (const l of listeners) l(m);
    };
    socket.onclose = () => {
      if (connected) onStatus?.(false);
      connected = false;
      if (closed) return;
      timer = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10_000);
    };
  };
  connect();

  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get connected() {
      return connected;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close();
    },
  };
}
