/**
 * A small history router: the current path as reactive state, `navigate`, and `match` for
 * patterns like `/m/:tenant/cases/:id` (a trailing `/*` matches the rest). Same-origin link
 * clicks are intercepted once, at the document, so plain <a href> works everywhere.
 */
export const route = $state({ path: location.pathname, search: location.search });

function sync(): void {
  route.path = location.pathname;
  route.search = location.search;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  sync();
  window.scrollTo(0, 0);
}

export function query(name: string): string | null {
  return new URLSearchParams(route.search).get(name);
}

export function match(pattern: string, path: string): Record<string, string> | null {
  const wild = pattern.endsWith('/*');
  const p = (wild ? pattern.slice(0, -2) : pattern).split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (wild ? s.length < p.length : s.length !== p.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(s[i]!);
    else if (seg !== s[i]) return null;
  }
  if (wild) params['*'] = s.slice(p.length).join('/');
  return params;
}

window.addEventListener('popstate', sync);
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  // API, documents and the verification page are the server's, not the app's.
  if (/^\/(api|docs|verify)\b/.test(a.pathname)) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});
