import type { ComponentChildren } from 'preact';

/** A labelled form field with its problem underneath (the input carries `aria-describedby` to it). */
export function FieldRow(props: { id: string; label: string; problem?: string | undefined; hint?: string; children: ComponentChildren }) {
  return (
    <div class={`field${props.problem ? ' field--invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && !props.problem && <span class="field__hint muted small">{props.hint}</span>}
      {props.problem && (
        <span class="field__problem" id={`${props.id}-problem`} data-problem={props.id}>
          <span aria-hidden="true">⚠ </span>
          {props.problem}
        </span>
      )}
    </div>
  );
}

/**
 * A 400's problems by field (`body/scopes/0` → `scopes`), the first one each; `form` holds the message
 * of any other error, to show above the form.
 */
export function fieldProblems(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const problems = (err as { problems?: Array<{ path: string; message: string }> }).problems ?? [];
  for (const p of problems) {
    const field = p.path.replace(/^(body|querystring|params)\//, '').split('/')[0] || 'form';
    out[field] ??= p.message;
  }
  if (problems.length === 0) out.form = err instanceof Error ? err.message : String(err);
  return out;
}
