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
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/socket.io': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
});
