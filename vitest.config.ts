import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of the workspaces; `npm test` builds first so that
    // tests which spawn processes (controller, simulators) find the compiled entry points too.
    alias: {
      '@caideng/protocol': here('./protocol/src/index.ts'),
      '@caideng/scenes': here('./scenes/src/index.ts'),
      '@caideng/controller': here('./controller/src/index.ts'),
      '@caideng/simulators': here('./simulators/src/index.ts'),
    },
  },
  test: {
    include: ['*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
