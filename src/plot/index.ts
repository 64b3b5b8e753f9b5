// sn.plot: charts as SVG strings.
import { trainingCurvesSvg } from './training-curves.js';
import { featureMapsSvg } from './feature-maps.js';

export type { HistoryLike, TrainingCurvesOptions } from './training-curves.js';
export type { FeatureMapsOptions } from './feature-maps.js';
export { trainingCurvesSvg, featureMapsSvg };
export const plot = { trainingCurvesSvg, featureMapsSvg };
