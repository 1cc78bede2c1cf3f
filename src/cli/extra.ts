/** Command modules contributed by other layers (privacy calculators, standalone evaluation, reproductions, sampling). */
import type { CommandModule } from 'yargs';
import { evalCommand } from './eval.ts';
import { privacyCommand } from './privacy.ts';
import { reproCommand } from './repro.ts';
import { sampleCommand } from './sample.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const extraCommands: CommandModule<any, any>[] = [privacyCommand, evalCommand, reproCommand, sampleCommand];
