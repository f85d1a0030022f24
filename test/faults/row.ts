// One line of the fault table (docs/faults.md): what was done, under what load, and what came out.
export interface FaultRow {
  fault: string;
  load: string;
  acknowledged: number | string;
  readBack: number | string;
  lost: number | string;
  duplicates: number | string;
  pages: number | string;
  /** What was checked, with the counts behind it. */
  checked: string[];
  ok: boolean;
}

export function tableOf(rows: FaultRow[]): string {
  const head = '| fault | load | events acknowledged | events read back | lost | duplicates | pages | result |\n|---|---|---|---|---|---|---|---|';
  return [head, ...rows.map((r) => `| ${r.fault} | ${r.load} | ${r.acknowledged} | ${r.readBack} | ${r.lost} | ${r.duplicates} | ${r.pages} | ${r.ok ? 'pass' : 'FAIL'} |`)].join('\n');
}
