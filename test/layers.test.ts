// The house as its data path: the foundation (common/) imports no role and no tool; the roles import the
// foundation and their own folder; no product file imports tools/ (only the executable's one list of
// commands, app/cli.ts, names the tools); nothing outside test/ imports test/.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROLES = ['collectors', 'processors', 'alerting'];
const SOURCE_DIRS = ['common', ...ROLES, 'app', 'tools', 'deploy'];
/** The one product file allowed to name the tools: the executable's list of commands. */
const EXECUTABLE = 'app/cli.ts';

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Repository-relative targets of a file's relative imports (static and dynamic). */
export function importsOf(file: string, source: string): string[] {
  const specs = [...source.matchAll(/(?:from\s+|import\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => relative(ROOT, normalize(join(ROOT, dirname(file), s))));
}

const top = (path: string) => path.split('/')[0];

/** Why `file` may not import `target`, or undefined when it may. */
export function violation(file: string, target: string): string | undefined {
  const from = top(file);
  const to = top(target);
  if (to === 'test' && from !== 'test') return 'only tests import test/';
  if (from === 'common' && to !== 'common') return 'the foundation (common/) imports no role, tool or executable';
  if (ROLES.includes(from) && to !== from && to !== 'common') return `a role imports only common/ and its own folder (${from}/)`;
  if (to === 'tools' && from !== 'tools' && from !== 'test' && file !== EXECUTABLE) return `no product file imports tools/ (only ${EXECUTABLE} lists them)`;
  return undefined;
}

describe('layers', () => {
  it('no file imports across a layer it may not', () => {
    const problems: string[] = [];
    for (const dir of SOURCE_DIRS) {
      for (const file of tsFiles(dir)) {
        for (const target of importsOf(file, readFileSync(join(ROOT, file), 'utf8'))) {
          const why = violation(file, target);
          if (why) problems.push(`${file} imports ${target}: ${why}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('the rule catches each kind of crossing', () => {
    assert.ok(violation('common/bus/create-bus.ts', 'app/config.ts'));
    assert.ok(violation('common/bus/create-bus.ts', 'processors/config.ts'));
    assert.ok(violation('alerting/role.ts', 'processors/core/settings.ts'));
    assert.ok(violation('processors/role.ts', 'tools/simulator/fleet.ts'));
    assert.ok(violation('app/run-roles.ts', 'tools/demo/demo-command.ts'));
    assert.ok(violation('tools/demo/demo-command.ts', 'test/support/cli.ts'));
    assert.equal(violation(EXECUTABLE, 'tools/demo/demo-command.ts'), undefined);
    assert.equal(violation('tools/replay/backtest-run.ts', 'processors/core/detection-core.ts'), undefined);
    assert.equal(violation('alerting/shell/store.ts', 'common/bus/types.ts'), undefined);
  });

  it('README lists every top-level source folder', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const dir of [...SOURCE_DIRS, 'test', 'docs']) assert.match(readme, new RegExp(`^\\| \`${dir}/\``, 'm'), `${dir}/ is in README's folder table`);
  });
});
