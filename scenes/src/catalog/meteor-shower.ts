import { num, str, type CatalogEntry } from './types.js';

/** 流星雨: meteors with bright heads and crackling icy tails falling along each string. */
export const meteorShower: CatalogEntry = {
  id: 'meteor-shower',
  zh: '流星雨',
  en: 'Meteor shower',
  looks: 'white meteor heads streak down each string, icy-blue tails fading and crackling behind, at random times',
  params: {
    rate: { type: 'number', min: 0.05, max: 5, default: 0.6, unit: '1/s', description: 'meteors per string per second' },
    fallSpeed: { type: 'number', min: 10, max: 600, default: 90, unit: 'px/s', description: 'how fast they fall' },
    tail: { type: 'number', min: 3, max: 120, default: 28, unit: 'px', description: 'tail length' },
    direction: { type: 'enum', values: ['forward', 'reverse'], default: 'forward', description: 'which end of the string they start from' },
  },
  build(p) {
    return {
      title: { zh: '流星雨', en: 'Meteor shower' },
      layers: [
        { effect: { type: 'steady', color: 'night-blue' }, opacity: 0.35 },
        {
          effect: { type: 'meteor', color: 'white', tailColor: 'ice-blue', rate: num(p, 'rate'), speed: num(p, 'fallSpeed'), tail: num(p, 'tail'), sparkle: 0.5, direction: str(p, 'direction') },
          blend: 'lighten',
        },
      ],
    };
  },
};
