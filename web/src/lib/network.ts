/**
 * Resolves when the network is back: the browser's `online` event, or the server answering a
 * probe (navigator.onLine is wrong both ways on phones: a captive portal, a dead mobile link
 * that still reports online).
 */
export function networkBack(probeEveryMs = 4000): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      window.removeEventListener('online', finish);
      clearInterval(timer);
      resolve();
    };
    window.addEventListener('online', finish);
    const timer = setInterval(() => {
      void fetch('/readyz', { cache: 'no-store' }).then((r) => r.ok && finish(), () => {});
    }, probeEveryMs);
  });
}
