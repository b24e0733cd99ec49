/** Hash routing: `#/` is the county overview, `#/compound/<id>` one compound. Works from any static host. */
import { useEffect, useState } from 'preact/hooks';

export type Route = { view: 'county' } | { view: 'compound'; compound: string } | { view: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/') return { view: 'county' };
  const m = /^\/compound\/([a-z0-9][a-z0-9-]{0,47})\/?$/.exec(path);
  if (m) return { view: 'compound', compound: m[1]! };
  return { view: 'notFound', path };
}

export function href(route: Route): string {
  switch (route.view) {
    case 'county':
      return '#/';
    case 'compound':
      return `#/compound/${route.compound}`;
    case 'notFound':
      return `#${route.path}`;
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(location.hash));
      window.scrollTo(0, 0);
    };
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
