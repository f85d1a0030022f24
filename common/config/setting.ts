// Helpers to declare settings: every setting carries its description, default and unit, so that the
// configuration reference (docs/configuration.md) is generated from the schema and cannot drift.
import { Type, type TSchema, type TObject, type TProperties } from '@sinclair/typebox';

type Opts = { description: string; unit?: string; secret?: boolean };

export const Section = <P extends TProperties>(properties: P, description: string): TObject<P> =>
  Type.Object(properties, { additionalProperties: false, description, default: {} });

export const Int = (def: number, min: number, max: number, o: Opts) =>
  Type.Integer({ default: def, minimum: min, maximum: max, ...o });

export const Num = (def: number, min: number, max: number, o: Opts) =>
  Type.Number({ default: def, minimum: min, maximum: max, ...o });

export const Str = (def: string, o: Opts & { pattern?: string; maxLength?: number }) =>
  Type.String({ default: def, maxLength: 4096, ...o });

export const Bool = (def: boolean, o: Opts) => Type.Boolean({ default: def, ...o });

export const StrList = (def: string[], o: Opts) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { default: def, maxItems: 1000, ...o });

export const OneOf = <T extends string>(values: readonly T[], def: T, o: Opts) =>
  Type.Union(values.map((v) => Type.Literal(v)), { default: def, ...o });

/** An optional secret: a value, or a sibling `<name>_file` that holds it (Kubernetes Secret mounts). */
export const Secret = (o: Opts) => Type.Optional(Type.String({ maxLength: 4096, secret: true, ...o }));
export const SecretFile = (o: Opts) => Type.Optional(Type.String({ maxLength: 4096, ...o }));

export type { TSchema };

/** Where a role's HTTP server listens (each role serves /metrics, /livez and /readyz). */
export const Listen = (port: number, what: string) => ({
  listen_host: Str('0.0.0.0', { description: `Address the ${what} HTTP server binds to.` }),
  listen_port: Int(port, 0, 65535, { description: `Port of the ${what} HTTP server (0: any free port).` }),
});
