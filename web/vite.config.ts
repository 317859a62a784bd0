// The web apps are one single-page app built by Vite; every screen is a lazily loaded chunk,
// so the party's phone never downloads the console or the dashboards' charts.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed names under /assets/: the core serves them as immutable.
    assetsDir: 'assets',
    sourcemap: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npx vite` in web/ for UI work, against a core started by `npm start`.
    proxy: { '/api': { target: 'http://localhost:3000', ws: true }, '/verify': 'http://localhost:3000' },
  },
});
