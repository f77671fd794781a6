import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';

// Placeholder: replaced by the module that implements `certs`.
export const certsCommand: CommandModule = {
  command: 'certs',
  describe: '(not implemented yet)',
  handler: () => {
    throw new UsageError('certs is not implemented yet');
  },
};
