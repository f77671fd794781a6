import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

// Placeholder: replaced by the module that implements `discover`.
export const discoverCommand: CommandModule = {
  command: 'discover',
  describe: '(not implemented yet)',
  handler: () => {
    throw new UsageError('discover is not implemented yet');
  },
};
