// sn.callbacks: ready-made callbacks for fit (Keras's names).
import { EarlyStopping, type EarlyStoppingArgs } from './early-stopping.js';
import { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './reduce-lr.js';

export { EarlyStopping, ReduceLROnPlateau };
export type { EarlyStoppingArgs, ReduceLROnPlateauArgs };

export const callbacks = {
  earlyStopping: (args?: EarlyStoppingArgs): EarlyStopping => new EarlyStopping(args),
  reduceLROnPlateau: (args?: ReduceLROnPlateauArgs): ReduceLROnPlateau => new ReduceLROnPlateau(args),
};
