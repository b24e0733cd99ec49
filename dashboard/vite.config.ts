import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The controller serves dist/ at `/`; `npm run dev -w dashboard` proxies the API to a controller on :8080. */
export default defineConfig({
  root: here('.'),
  base: '/',
  resolve: {
    // Only types are imported from the protocol (they vanish at build); the alias keeps tsc and Vite in agreement.
    alias: { '@caideng/protocol': here('../protocol/src/index.ts') },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // MQTT.js's browser build (~330 kB, ~100 kB gzipped) is the largest chunk; only the kiosk page loads it, after its first paint.
    // The scene previews' renderer chunk (scenes with its catalog and calendar, ~500 kB, ~160 kB gzipped) is
    // loaded only when a page shows a preview.
    chunkSizeWarningLimit: 520,
    // Three pages: the dashboard, the courtyard kiosk's touch page and the public ticket page (each its own small bundle).
    rolldownOptions: {
      input: { main: here('index.html'), kiosk: here('kiosk.html'), ticket: here('ticket.html') },
    },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/socket.io': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
});
