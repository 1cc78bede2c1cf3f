/** Command modules contributed by other layers (privacy calculators, standalone evaluation). */
import type { CommandModule } from 'yargs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const extraCommands: CommandModule<any, any>[] = [];
