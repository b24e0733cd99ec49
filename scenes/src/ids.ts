/** Scene ids, the same form as protocol ids: they travel in `scene.name` of a group command. */
export const SCENE_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,47}$';
const SCENE_ID_RE = new RegExp(SCENE_ID_PATTERN);

export function isSceneId(value: unknown): value is string {
  return typeof value === 'string' && SCENE_ID_RE.test(value);
}
