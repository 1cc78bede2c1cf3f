/** All chart families, in report order: per dataset (comparisons across generators), then per generator. */
import type { LabelledCell } from '../aggregate.ts';
import type { ChartSet } from './common.ts';
import { costChart } from './cost.ts';
import { dpClassifierCharts } from './dp-classifiers.ts';
import { correlationChart, marginalsChart } from './fidelity.ts';
import { autocorrelationChart, pertinenceChart } from './inn.ts';
import { attackVsEpsilon, auditChart, riskUtilityMap } from './privacy.ts';
import { lossChart, seriesChart } from './training.ts';
import { settingBars, utilityVsEpsilon } from './utility.ts';

export type { ChartDef, ChartSet, SkippedChart, VlSpec } from './common.ts';

function merge(sets: ChartSet[]): ChartSet {
  return { charts: sets.flatMap((s) => s.charts), skipped: sets.flatMap((s) => s.skipped) };
}

export function datasetCharts(dataset: string, cells: LabelledCell[]): ChartSet {
  return merge([
    utilityVsEpsilon(dataset, cells),
    attackVsEpsilon(dataset, cells),
    riskUtilityMap(dataset, cells),
    settingBars(dataset, cells),
    auditChart(dataset, cells),
    costChart(dataset, cells),
    dpClassifierCharts(dataset, cells),
    autocorrelationChart(dataset, cells),
  ]);
}

export function generatorCharts(dataset: string, generator: string, cells: LabelledCell[]): ChartSet {
  return merge([
    marginalsChart(dataset, generator, cells),
    correlationChart(dataset, generator, cells),
    lossChart(dataset, generator, cells),
    seriesChart(dataset, generator, cells),
    pertinenceChart(dataset, generator, cells),
  ]);
}
