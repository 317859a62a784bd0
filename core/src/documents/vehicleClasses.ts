/** How each vehicle class of the profile DSL is printed (车辆类型), as the consoles name it. */
import type { VehicleClass } from '../generated/types.ts';

export const VEHICLE_CLASS_NAMES: Readonly<Record<VehicleClass, string>> = {
  large_car: '大型汽车',
  small_car: '小型汽车',
  new_energy: '新能源汽车',
  motorcycle: '摩托车',
  learner_car: '教练车',
  trailer: '挂车',
  non_motor: '非机动车',
};
