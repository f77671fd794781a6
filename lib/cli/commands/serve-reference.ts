import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

// Placeholder: replaced by the module that implements `serve-reference`.
export const serveReferenceCommand: CommandModule = {
  command: 'serve-reference',
  describe: '(not implemented yet)',
  handler: () => {
    throw new UsageError('serve-reference is not implemented yet');
  },
};
