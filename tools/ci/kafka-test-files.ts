// Prints the test files that talk to a Kafka broker, one per line: every test/**/*.test.ts whose relative
// imports reach (directly or through support modules) code that asks for the test broker or starts a
// broker of its own. Found by walking imports rather than listed by hand, so a new Kafka test is included.
import { globSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
// A call (not the definition) of the shared test broker's accessor or of a private broker's start.
const BROKER = /(?<!function )(?:testBrokers|startPrivateBroker)\(/;
const IMPORT = /(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+\.ts)'/g;

const memo = new Map<string, boolean>();
function talksToKafka(file: string): boolean {
  const known = memo.get(file);
  if (known !== undefined) return known;
  memo.set(file, false); // an import cycle adds nothing
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { return false; }
  const yes = BROKER.test(text) || [...text.matchAll(IMPORT)].some((m) => talksToKafka(join(dirname(file), m[1])));
  memo.set(file, yes);
  return yes;
}

for (const file of globSync('test/**/*.test.ts', { cwd: root }).sort()) {
  if (talksToKafka(join(root, file))) console.log(relative(root, join(root, file)));
}
