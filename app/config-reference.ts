// Renders docs/configuration.md from the schema, so the reference cannot drift from the code.
import { Kind, type TSchema } from '@sinclair/typebox';
import { ConfigSchema, ENV_ALIASES } from './config.ts';
import { envNameOf } from '../common/config/load.ts';

function typeOf(s: TSchema): string {
  if (s[Kind] === 'Union' && Array.isArray(s.anyOf)) return (s.anyOf as TSchema[]).map((o) => `\`${o.const}\``).join(' \\| ');
  if (s[Kind] === 'Array') return s.items?.[Kind] === 'Object' ? 'list of objects' : 'list of strings';
  return String(s[Kind]).toLowerCase();
}

function bounds(s: TSchema): string {
  if (s.minimum === undefined && s.maximum === undefined) return '';
  return `${s.minimum ?? ''}..${s.maximum ?? ''}`;
}

const cell = (v: unknown) => String(v).replace(/\|/g, '\\|');

function rows(schema: TSchema, path: string[]): string[] {
  const out: string[] = [];
  for (const [key, s] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const p = [...path, key];
    if (s[Kind] === 'Object' && s.properties) {
      out.push(...rows(s, p));
      continue;
    }
    const def = s.default === undefined ? '' : `\`${JSON.stringify(s.default)}\``;
    const env = Object.entries(ENV_ALIASES).find(([, a]) => a.join('.') === p.join('.'))?.[0];
    const envs = [envNameOf(p), env].filter(Boolean).map((e) => `\`${e}\``).join(', ');
    out.push(`| \`${p.join('.')}\` | ${typeOf(s)} | ${def} | ${s.unit ?? ''} | ${bounds(s)} | ${cell(s.description ?? '')}${s.secret ? ' **Secret.**' : ''} | ${envs} |`);
  }
  return out;
}

export function renderConfigReference(): string {
  const sections = Object.entries(ConfigSchema.properties as Record<string, TSchema>).map(([name, s]) => {
    if (s[Kind] !== 'Object') return `| \`${name}\` | ${typeOf(s)} | | | | ${cell(s.description ?? '')} | \`${envNameOf([name])}\` |`;
    return [`\n### \`${name}\`\n\n${s.description ?? ''}\n`, '| key | type | default | unit | range | meaning | environment |', '|---|---|---|---|---|---|---|', ...rows(s, [name])].join('\n');
  });
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from app/config.ts by `npm run docs:config`; a test keeps it in step. -->',
    '',
    'One YAML file (`ringwatch <command> --config FILE`), validated at start-up: unknown keys are refused and every',
    'problem is reported at once with its path (`bus.kafka.topik: unrecognized key`). Every setting can also be set',
    'by an environment variable (listed per row; lists are comma-separated). A secret `x` can instead be read from',
    'the file named by `x_file` (a Kubernetes Secret mount). `ringwatch config --config FILE` prints the result with',
    'secrets redacted. Tracing is configured by the standard `OTEL_*` variables (off unless set).',
    '',
    '| key | type | default | unit | range | meaning | environment |',
    '|---|---|---|---|---|---|---|',
    ...sections,
    '',
  ].join('\n');
}
