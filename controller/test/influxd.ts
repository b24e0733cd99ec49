/** The tests' influxd: the same launcher the metrics benchmark uses (src/bench/influxd.ts). */
export { ADMIN, INFLUXD, startInfluxd, type Influxd } from '../src/bench/influxd.js';
