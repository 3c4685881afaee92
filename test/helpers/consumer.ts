// A user's project as Node and TypeScript see it: avila-telemetry in its node_modules (linked to
// this repository, as `npm install <path>` links it), so imports resolve through the package's
// own `exports`, never through paths into src/.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './server.js';

/** Makes `dir` (emptied first) such a project, an ES-module package; returns `dir`. */
export function consumerProject(dir: string, name = 'consumer'): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules/avila-telemetry'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module' }));
  return dir;
}
