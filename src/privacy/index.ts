/** The privacy core: DP-SGD, accountants (RDP, PLD, PATE), calibration, budget ledger, DP primitives. */
export * from './accountant.ts';
export * from './budget.ts';
export * from './calibrate.ts';
export * from './compose.ts';
export * from './dpnet.ts';
export * from './dpsgd.ts';
export * from './ledger.ts';
export * from './noise.ts';
export * from './pate.ts';
export { composePlds, pldDelta, pldEpsilon, subsampledGaussianDelta, subsampledGaussianPld, type DiscretePld, type PldOptions } from './pld.ts';
export * from './primitives.ts';
export * from './rdp.ts';
export * from './sampling.ts';
