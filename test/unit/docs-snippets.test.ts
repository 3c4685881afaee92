// The code blocks of README.md and docs/, as a user's project sees the package (imports of
// 'avila-telemetry/…' resolve through its exports): every ```ts block type-checks against the
// built types, every ```js runnable block runs in Node and exits 0.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumerProject } from '../helpers/consumer.js';
import { ROOT } from '../helpers/server.js';

const sources = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The blocks fenced with ```<info>, each named by its file and its position there. */
const codeBlocks = (info: string) =>
  sources.flatMap((file) =>
    [...readFileSync(join(ROOT, file), 'utf8').matchAll(new RegExp('```' + info + '\\n([\\s\\S]*?)```', 'g'))].map((m, i) => ({ file, i, code: m[1]!, name: `${file.replace(/[/.]/g, '_')}_${i}` })),
  );
const blocks = codeBlocks('ts');

const runnable = codeBlocks('js runnable');

describe('documented snippets marked runnable', () => {
  it('there is one at least (README.md)', () => {
    expect(runnable.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(1);
  });

  it("each runs in Node as a user's module (the package through its exports) and exits 0", () => {
    const dir = consumerProject(join(ROOT, 'build/doc-runnable'), 'docs-runnable');
    for (const b of runnable) {
      const file = join(dir, `${b.name}.mjs`);
      writeFileSync(file, b.code);
      // Throws (and fails the test with the block's output) when the block throws or exits non-zero.
      const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      expect(out.length, `${b.file} block ${b.i} printed something`).toBeGreaterThan(0);
    }
  });
});

describe('documented TypeScript snippets', () => {
  it('there are snippets to check (docs/cloudflare.md has one at least)', () => {
    expect(blocks.filter((b) => b.file === 'docs/cloudflare.md').length).toBeGreaterThanOrEqual(1);
  });

  it('each type-checks with strict settings against dist/types', () => {
    const dir = consumerProject(join(ROOT, 'build/doc-snippets'), 'docs-snippets');
    const files = blocks.map((b) => {
      const name = `${b.name}.ts`;
      // Each block is a module of its own.
      writeFileSync(join(dir, name), `${b.code}\nexport {};\n`);
      return name;
    });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: [], strict: true, noEmit: true, skipLibCheck: true },
        files,
      }),
    );
    let output = '';
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(output).toBe('');
  });
});
