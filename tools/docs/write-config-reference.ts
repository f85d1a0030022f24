// npm run docs:config — regenerate docs/configuration.md.
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from '../../app/config-reference.ts';

writeFileSync(new URL('../../docs/configuration.md', import.meta.url), renderConfigReference());
