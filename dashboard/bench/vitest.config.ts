import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** `npm run bench -w dashboard`: only the benchmark, against the workspaces' sources (as the tests). */
export default defineConfig({
  root: here('../..'),
  resolve: {
    alias: {
      '@caideng/protocol': here('../../protocol/src/index.ts'),
      '@caideng/scenes': here('../../scenes/src/index.ts'),
      '@caideng/controller': here('../../controller/src/index.ts'),
      '@caideng/simulators': here('../../simulators/src/index.ts'),
    },
  },
  test: { include: ['dashboard/bench/previews.ts'], testTimeout: 300_000, hookTimeout: 60_000, pool: 'forks' },
});
