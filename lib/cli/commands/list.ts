import type { CommandModule } from 'yargs';

export const listCommand: CommandModule<object, { json: boolean }> = {
  command: 'list',
  describe: 'Print the conformance catalog: id, level, spec clause, title, what it needs',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'As JSON' }),
  handler: async (args) => {
    const { CATALOG, CATALOG_VERSION } = await import('../../scenarios/catalog/index.js');
    const rows = CATALOG.map((s) => ({
      id: s.id,
      level: s.level,
      spec: s.spec,
      title: s.title,
      needs: s.requires.map((r) => r.name),
      ...(s.levelNote ? { levelNote: s.levelNote } : {}),
    }));
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({ catalogVersion: CATALOG_VERSION, scenarios: rows }, null, 2)}\n`,
      );
      return;
    }
    const idW = Math.max(...rows.map((r) => r.id.length), 2);
    const specW = Math.max(...rows.map((r) => r.spec.length), 4);
    for (const r of rows) {
      const needs = r.needs.length > 0 ? `  [needs: ${r.needs.join(', ')}]` : '';
      process.stdout.write(
        `${r.id.padEnd(idW)}  ${r.level.padEnd(6)}  ${r.spec.padEnd(specW)}  ${r.title}${needs}\n`,
      );
    }
    process.stdout.write(`\ncatalog v${CATALOG_VERSION}: ${rows.length} scenarios\n`);
  },
};
