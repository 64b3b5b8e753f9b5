// sn.plot: charts as SVG strings.
import { trainingCurvesSvg } from './training-curves.js';

export type { HistoryLike, TrainingCurvesOptions } from './training-curves.js';
export { trainingCurvesSvg };
export const plot = { trainingCurvesSvg };
