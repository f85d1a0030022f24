// Writes collectors/openapi.json: the OpenAPI document for the default settings. A test checks that the
// file in the repository equals what this generates. Run: node tools/docs/write-openapi.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildConfig } from '../../app/config.ts';
import { buildOpenApi } from '../../collectors/openapi.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../../collectors/openapi.json', import.meta.url));

/** The document as kept in the repository (default settings, stable formatting). */
export function defaultOpenApiText(): string {
  return `${JSON.stringify(buildOpenApi(buildConfig({}, {}).collector), null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(OPENAPI_FILE, defaultOpenApiText());
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}
